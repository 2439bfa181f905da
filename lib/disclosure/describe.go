package disclosure

// Describe is the observatory's rule (k K, children KMinors) in a sentence, as
// Rule.Description gives it, without a key: for metadata written by code that publishes
// figures already protected (the open-data export) and so holds no rounding key.
func Describe() string { return Rule{k: K, kMinors: KMinors}.Description() }
