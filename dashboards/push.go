package dashboards

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-openapi/strfmt"
	goapi "github.com/grafana/grafana-openapi-client-go/client"
	"github.com/grafana/grafana-openapi-client-go/client/dashboards"
	"github.com/grafana/grafana-openapi-client-go/client/folders"
	"github.com/grafana/grafana-openapi-client-go/models"
)

// PushConfig says where and how to upload the dashboards.
type PushConfig struct {
	// URL of Grafana, e.g. https://grafana.example.org (a sub-path is kept). Required.
	URL string
	// Token is a service account token with the Editor role. Required.
	Token string
	// Folder is the title of the folder the dashboards go to; created when missing.
	// Default "Vigía".
	Folder string
	// Datasource is the name or uid of the ClickHouse data source the dashboards select by
	// default. Default: the only data source of the plugin's type.
	Datasource string
	// Timeout bounds each request. Default 30s.
	Timeout time.Duration
}

// Pushed is one uploaded dashboard.
type Pushed struct{ UID, URL string }

// Push uploads the rendered dashboards (file name -> JSON) into a folder, overwriting the
// earlier versions, with their data source variable set to the chosen ClickHouse data source.
// Errors say what to fix: the URL, the token, the plugin or the data source.
func Push(ctx context.Context, cfg PushConfig, rendered map[string][]byte) ([]Pushed, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--url %q: want http(s)://host[:port][/path] of Grafana", cfg.URL)
	}
	if cfg.Token == "" {
		return nil, errors.New("--token: give a Grafana service account token (Editor role) or set GRAFANA_TOKEN")
	}
	if cfg.Folder == "" {
		cfg.Folder = "Vigía"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	hc := &http.Client{Timeout: cfg.Timeout}
	base := strings.TrimSuffix(u.Path, "/")
	if err := checkPlugin(ctx, hc, u, base, cfg.Token); err != nil {
		return nil, err
	}
	c := newAPIClient(&goapi.TransportConfig{Host: u.Host, BasePath: base + "/api", Schemes: []string{u.Scheme}, APIKey: cfg.Token, Client: hc})
	ds, err := chooseDatasource(c, cfg.Datasource)
	if err != nil {
		return nil, err
	}
	folderUID, err := ensureFolder(c, cfg.Folder)
	if err != nil {
		return nil, err
	}
	var out []Pushed
	for _, b := range All() {
		var d map[string]any
		if err := json.Unmarshal(rendered[b.File], &d); err != nil {
			return out, fmt.Errorf("cannot read %s: %w", b.File, err)
		}
		selectDatasource(d, ds)
		res, err := c.Dashboards.PostDashboardWithParams(&dashboards.PostDashboardParams{Context: ctx,
			Body: &models.SaveDashboardCommand{Dashboard: d, FolderUID: folderUID, Overwrite: true, Message: "vigia dashboards push"}})
		if err != nil {
			return out, fmt.Errorf("cannot upload %s: %w", b.File, apiError(err))
		}
		p := Pushed{}
		if res.Payload != nil && res.Payload.UID != nil && res.Payload.URL != nil {
			p = Pushed{UID: *res.Payload.UID, URL: u.Scheme + "://" + u.Host + *res.Payload.URL}
		}
		out = append(out, p)
	}
	return out, nil
}

// checkPlugin asks Grafana's health (is this Grafana?), then the plugin's settings (is the
// token good, is the plugin there?), so a wrong URL, token or plugin is reported before
// anything is changed.
func checkPlugin(ctx context.Context, hc *http.Client, u *url.URL, base, token string) error {
	root := u.Scheme + "://" + u.Host + base
	if err := checkHealth(ctx, hc, root, u); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, root+"/api/plugins/"+PluginID+"/settings", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach Grafana at %s: %w", u.Redacted(), err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	switch {
	case res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden:
		return fmt.Errorf("Grafana at %s refused the token (%s): use a service account token with the Editor role", u.Redacted(), res.Status)
	case res.StatusCode == http.StatusNotFound:
		return fmt.Errorf("the ClickHouse plugin (%s) is not installed in Grafana at %s: install it (grafana cli plugins install %s, or GF_INSTALL_PLUGINS=%s) and restart Grafana", PluginID, u.Redacted(), PluginID, PluginID)
	case res.StatusCode != http.StatusOK:
		return fmt.Errorf("Grafana at %s answered %s to %s: is this the Grafana URL?", u.Redacted(), res.Status, req.URL.Path)
	}
	return nil
}

func checkHealth(ctx context.Context, hc *http.Client, root string, u *url.URL) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, root+"/api/health", nil)
	if err != nil {
		return err
	}
	res, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach Grafana at %s: %w", u.Redacted(), err)
	}
	defer res.Body.Close()
	var h struct {
		Database string `json:"database"`
		Version  string `json:"version"`
	}
	if res.StatusCode != http.StatusOK || json.NewDecoder(res.Body).Decode(&h) != nil || h.Database == "" {
		return fmt.Errorf("%s/api/health does not answer as Grafana does (%s): is this the Grafana URL?", u.Redacted(), res.Status)
	}
	return nil
}

func chooseDatasource(c *goapi.GrafanaHTTPAPI, want string) (*models.DataSourceListItemDTO, error) {
	list, err := c.Datasources.GetDataSources()
	if err != nil {
		return nil, fmt.Errorf("cannot list data sources: %w", apiError(err))
	}
	var ours []*models.DataSourceListItemDTO
	for _, d := range list.Payload {
		if d.Type == PluginID && (want == "" || d.UID == want || d.Name == want) {
			ours = append(ours, d)
		}
	}
	switch {
	case len(ours) == 1:
		return ours[0], nil
	case len(ours) == 0 && want != "":
		return nil, fmt.Errorf("--datasource %q: no ClickHouse data source with that name or uid", want)
	case len(ours) == 0:
		return nil, errors.New("no ClickHouse data source in this Grafana: add one (see dashboards/provisioning/datasources/clickhouse.yaml)")
	}
	return nil, fmt.Errorf("%d ClickHouse data sources: choose one with --datasource NAME", len(ours))
}

func ensureFolder(c *goapi.GrafanaHTTPAPI, title string) (string, error) {
	list, err := c.Folders.GetFolders(folders.NewGetFoldersParams())
	if err != nil {
		return "", fmt.Errorf("cannot list folders: %w", apiError(err))
	}
	for _, f := range list.Payload {
		if f.Title == title {
			return f.UID, nil
		}
	}
	res, err := c.Folders.CreateFolder(&models.CreateFolderCommand{Title: title})
	if err != nil {
		return "", fmt.Errorf("cannot create folder %q: %w", title, apiError(err))
	}
	return res.Payload.UID, nil
}

// selectDatasource makes ds the current value of the dashboard's data source variable.
func selectDatasource(d map[string]any, ds *models.DataSourceListItemDTO) {
	templating, _ := d["templating"].(map[string]any)
	list, _ := templating["list"].([]any)
	for _, v := range list {
		if m, ok := v.(map[string]any); ok && m["name"] == "datasource" {
			m["current"] = map[string]any{"text": ds.Name, "value": ds.UID}
		}
	}
}

// apiError keeps the status and Grafana's message of a typed API error.
func apiError(err error) error {
	var coded interface{ Code() int }
	if errors.As(err, &coded) {
		switch coded.Code() {
		case http.StatusUnauthorized, http.StatusForbidden:
			return fmt.Errorf("the token may not do this (HTTP %d): give the service account the Editor role: %w", coded.Code(), err)
		}
	}
	return err
}

// apiClientMu serializes goapi.NewHTTPClientWithConfig, which writes the process-wide
// http.DefaultTransport's TLSClientConfig on every call (grafana-openapi-client-go,
// newTransportWithConfig): two pushes at once raced there (the race detector caught it when
// the push tests ran in parallel).
var apiClientMu sync.Mutex

func newAPIClient(cfg *goapi.TransportConfig) *goapi.GrafanaHTTPAPI {
	apiClientMu.Lock()
	defer apiClientMu.Unlock()
	return goapi.NewHTTPClientWithConfig(strfmt.Default, cfg)
}
