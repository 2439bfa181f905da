package dashboards

// The published layer (<database>_public.figures) holds every count already protected by
// lib/disclosure: suppressed under k (persons 0, suppressed 1), every other count a multiple
// of k. Panels only add protected cells: a total over any range, place or breakdown is a sum
// of multiples of k, so no two queries differ by a count under k. A total whose cells are all
// suppressed reads "<k" in tables and is a gap in graphs.

// shown is a graph's total of persons over the rows where cond holds ("" for all).
func shown(cond string) string {
	s, m := sumOf(cond)
	return "if(" + s + " = 0 AND " + m + " = 1, NULL, " + s + ")"
}

// shownText is a table's total: "<k" when every cell is suppressed.
func shownText(cond string) string {
	s, m := sumOf(cond)
	k := "max(k)"
	if cond != "" {
		k = "maxIf(k, " + cond + ")"
	}
	return "if(" + s + " = 0 AND " + m + " = 1, concat('<', toString(" + k + ")), toString(" + s + "))"
}

func sumOf(cond string) (sum, anySuppressed string) {
	if cond == "" {
		return "sum(persons)", "max(suppressed)"
	}
	return "sumIf(persons, " + cond + ")", "maxIf(suppressed, " + cond + ")"
}

// protectedText is a published alert or band count: "<k" when suppressed.
func protectedText(value, suppressed string) string {
	return "if(" + suppressed + " = 1, concat('<', toString(k)), toString(" + value + "))"
}
