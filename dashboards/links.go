package dashboards

import (
	"net/url"
	"strconv"

	"github.com/vigia-observatory/vigia/schemas"
)

// The dashboards that alert messages link to; their uids and slugs are set by pointDetail and
// surgeAlerts.
const (
	PointUID  = "vigia-point"
	AlertsUID = "vigia-alerts"
)

// AlertLink points at the point detail dashboard (or the alerts dashboard for a country
// series) of the Grafana at base, over the alert's period and the week before it; "" when
// base is "".
func AlertLink(base string, c schemas.AlertChange) string {
	if base == "" {
		return ""
	}
	q := url.Values{}
	q.Set("from", strconv.FormatInt(c.PeriodStart.AddDate(0, 0, -7).UnixMilli(), 10))
	q.Set("to", strconv.FormatInt(c.PeriodEnd.UnixMilli(), 10))
	path := "/d/" + AlertsUID + "/surge-alerts"
	if c.PointID != "" {
		path = "/d/" + PointUID + "/point-detail"
		q.Set("var-point", c.PointID)
		q.Set("var-type", c.Type)
		q.Set("var-role", c.Role)
	} else {
		q.Set("var-country", c.Country)
	}
	return base + path + "?" + q.Encode()
}
