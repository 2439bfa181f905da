package dashboards

// The small-cell rule: no panel shows a count that could single a person out. Any count
// under k (the dashboard's hidden k, default 5; k_minors, default 10, for children) reads
// "<k" in tables and is left out (a gap) in graphs, never shown as the number.

const (
	kVar       = "${k}"
	kMinorsVar = "${k_minors}"
)

// hide is a numeric cell: NULL under k.
func hide(expr, k string) string {
	return "if(" + expr + " < " + k + ", NULL, " + expr + ")"
}

// hideText is a table cell: "<k" under k, else the count.
func hideText(expr, k string) string {
	return "if(" + expr + " < " + k + ", concat('<', toString(" + k + ")), toString(" + expr + "))"
}
