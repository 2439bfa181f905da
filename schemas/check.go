package schemas

// Checker decodes and validates one record, and checks that it came from the agency whose
// topic carried it. Like Decoder it is not safe for concurrent use.
type Checker struct {
	Decoder   Decoder
	Validator *Validator
}

// Check fills ev from b and appends every problem to errs. topicAgency is the agency of the
// topic the record came in on; empty skips that check (offline validation without --agency).
func (c *Checker) Check(b []byte, topicAgency string, ev *Event, errs *Errors) {
	c.Decoder.Decode(b, ev, errs)
	if len(*errs) > 0 && (*errs)[0].Path == "" {
		return // not a JSON object: nothing more to say
	}
	c.Validator.Validate(ev, errs)
	if topicAgency != "" && ev.Agency != "" && ev.Agency != topicAgency {
		errs.add("agency", AgencyMismatch, "agency differs from the agency of the topic the record was published to")
	}
}
