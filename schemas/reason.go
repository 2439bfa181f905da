package schemas

// Reason is a stable, machine-readable code for why a record was rejected or could not be
// delivered. It is what agencies see in the DLQ and in `vigia validate`, so codes never change
// meaning once published; new codes are appended. Modelled on franz-go's kerr: each code knows
// whether retrying the same bytes can succeed.
type Reason uint8

// The catalog. Keep the order: the numeric values appear in metrics labels only as names,
// but appending keeps diffs readable.
const (
	ReasonNone Reason = iota
	MalformedJSON
	NotObject
	MissingField
	BadType
	BadEnum
	BadFormat
	BadTimestamp
	FutureTimestamp
	UnknownPoint
	BadCountryCode
	CountOutOfRange
	AgeOutOfRange
	BadDate
	FieldTooLong
	FieldNotAllowed
	UnsupportedSchemaVersion
	Inconsistent
	AgencyMismatch
	TooLarge
	SinkRejected
	SinkUnavailable
	UnknownSubdivision
	WrongPointKind
	reasonCount
)

type reasonInfo struct {
	code      string
	retryable bool
	help      string
}

var reasons = [reasonCount]reasonInfo{
	ReasonNone:               {"none", false, "no error"},
	MalformedJSON:            {"malformed_json", false, "the record is not valid JSON"},
	NotObject:                {"not_object", false, "the record is JSON but not an object"},
	MissingField:             {"missing_field", false, "a required field is absent or empty"},
	BadType:                  {"bad_type", false, "a field has the wrong JSON type"},
	BadEnum:                  {"bad_enum", false, "a field's value is not one of the allowed values"},
	BadFormat:                {"bad_format", false, "a field's text does not match its format"},
	BadTimestamp:             {"bad_timestamp", false, "occurred_at is not an RFC 3339 time with offset"},
	FutureTimestamp:          {"future_timestamp", false, "occurred_at lies in the future beyond the allowed clock skew"},
	UnknownPoint:             {"unknown_point", true, "point_id is not in the points registry (retry after the registry is updated)"},
	BadCountryCode:           {"bad_country_code", false, "not an ISO 3166-1 alpha-3 country code"},
	CountOutOfRange:          {"count_out_of_range", false, "count is outside 1..max_count"},
	AgeOutOfRange:            {"age_out_of_range", false, "age is outside 0..120"},
	BadDate:                  {"bad_date", false, "a date is not YYYY-MM-DD, or is impossible"},
	FieldTooLong:             {"field_too_long", false, "a text field is longer than allowed"},
	FieldNotAllowed:          {"field_not_allowed", false, "a field is not allowed for this event type"},
	UnsupportedSchemaVersion: {"unsupported_schema_version", false, "schema_version is not one this deployment accepts"},
	Inconsistent:             {"inconsistent", false, "fields contradict each other"},
	AgencyMismatch:           {"agency_mismatch", false, "the agency field differs from the agency of the topic"},
	TooLarge:                 {"too_large", false, "the record exceeds the maximum size"},
	SinkRejected:             {"sink_rejected", false, "the storage server rejected the row for good"},
	SinkUnavailable:          {"sink_unavailable", true, "the storage server could not be reached"},
	UnknownSubdivision:       {"unknown_subdivision", true, "origin_subdivision is not an ISO 3166-2 code of the shipped list (retry after the list is updated)"},
	WrongPointKind:           {"wrong_point_kind", false, "the point is not of the kind this field or event type needs (a consulate for assistance, a reception centre for referrals and reception_point_id)"},
}

// String returns the stable code, e.g. "missing_field".
func (r Reason) String() string {
	if r >= reasonCount {
		return "unknown"
	}
	return reasons[r].code
}

// Retryable reports whether the same record can succeed later without being changed.
func (r Reason) Retryable() bool { return r < reasonCount && reasons[r].retryable }

// Help is a one-line explanation for operators and agencies.
func (r Reason) Help() string {
	if r >= reasonCount {
		return ""
	}
	return reasons[r].help
}

// ParseReason maps a code back to its Reason; ok is false for an unknown code.
func ParseReason(code string) (Reason, bool) {
	for i := Reason(1); i < reasonCount; i++ {
		if reasons[i].code == code {
			return i, true
		}
	}
	return ReasonNone, false
}

// Reasons lists every code of the catalog except ReasonNone, in order.
func Reasons() []Reason {
	out := make([]Reason, 0, reasonCount-1)
	for i := Reason(1); i < reasonCount; i++ {
		out = append(out, i)
	}
	return out
}
