package schemas

import "strings"

// FieldError is one problem of one record: where (a dotted JSON path such as
// "person.birth_date"), why (a stable Reason) and a human message. Messages never quote a
// field's value, so an error can be logged or put in the DLQ's clear headers without leaking
// personal data.
type FieldError struct {
	Path    string
	Reason  Reason
	Message string
}

func (e FieldError) Error() string {
	if e.Path == "" {
		return e.Reason.String() + ": " + e.Message
	}
	return e.Path + ": " + e.Reason.String() + ": " + e.Message
}

// Errors is the list of problems found in one record, in the order they were found; the first
// one is the record's primary reason.
type Errors []FieldError

func (es Errors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// add appends a problem; kept as a method so call sites read as sentences.
func (es *Errors) add(path string, r Reason, msg string) {
	*es = append(*es, FieldError{Path: path, Reason: r, Message: msg})
}
