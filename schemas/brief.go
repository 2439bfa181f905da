package schemas

// The rules of the observatory's brief beyond crossings, detentions and returns: consular
// assistance, reception and referral, origin subdivisions and protection needs.

// Point kinds that receive returnees, and the consulates.
const (
	KindReception      = "reception_centre"
	KindChildReception = "child_reception_centre"
	KindConsulate      = "consulate"
)

// IsReception reports whether a point kind receives returnees.
func IsReception(kind string) bool { return kind == KindReception || kind == KindChildReception }

func (v *Validator) validateBrief(ev *Event, pt *Point, known bool, errs *Errors, decoded int) {
	if known && ev.Type != TypeUnknown {
		switch {
		case ev.Type == Assistance && pt.Kind != KindConsulate:
			errs.add("point_id", WrongPointKind, "an assistance event's point_id must be a consulate")
		case ev.Type != Assistance && pt.Kind == KindConsulate:
			errs.add("point_id", WrongPointKind, "a consulate takes only assistance events")
		case ev.Type == Referral && !IsReception(pt.Kind):
			errs.add("point_id", WrongPointKind, "a referral event's point_id must be a reception centre")
		}
	}
	v.validateSubdivision(ev, pt, known, errs)
	v.validateReception(ev, pt, known, errs)
	v.validateAssistance(ev, errs, decoded)
	v.validateReferral(ev, errs, decoded)
	if p := &ev.Person; p.Protection != 0 {
		if ev.Count > 1 {
			errs.add("person.protection_needs", Inconsistent, "person.protection_needs is one person's: not allowed on a record with count above 1")
		}
		if age, ok := PersonAge(ev); ok && age >= 18 && p.Protection.Has(NeedSeparatedChild) {
			// The message names no need: it reaches clear DLQ headers (the codes are in
			// docs/publishing.md).
			errs.add("person.protection_needs", Inconsistent, "person.protection_needs contradicts the person's age")
		}
	}
}

func (v *Validator) validateSubdivision(ev *Event, pt *Point, known bool, errs *Errors) {
	code := ev.OriginSubdivision
	if code == "" {
		return
	}
	list := v.Subdivisions
	if list == nil {
		list, _ = RegionSubdivisions() // the shipped list is checked by its test
	}
	d, ok := list.Lookup(code)
	switch {
	case !subdivisionRe.MatchString(code):
		errs.add("origin_subdivision", BadFormat, "origin_subdivision must be an ISO 3166-2 code such as HN-CR")
	case !ok:
		errs.add("origin_subdivision", UnknownSubdivision, "origin_subdivision is not in the shipped list of the region's subdivisions")
	case known && (ev.Type == Return || ev.Type == Referral) && d.Country != pt.Country:
		errs.add("origin_subdivision", Inconsistent, "a returnee's origin_subdivision must be in the country of the point that receives them")
	}
}

func (v *Validator) validateReception(ev *Event, pt *Point, known bool, errs *Errors) {
	id := ev.ReceptionPointID
	if id == "" {
		return
	}
	if ev.Type != Return {
		if ev.Type != TypeUnknown {
			errs.add("reception_point_id", FieldNotAllowed, "reception_point_id is only allowed on return events")
		}
		return
	}
	rp, ok := v.Points.Lookup(id)
	switch {
	case !ok:
		errs.add("reception_point_id", UnknownPoint, "reception_point_id is not in the points registry")
	case !IsReception(rp.Kind):
		errs.add("reception_point_id", WrongPointKind, "reception_point_id must name a reception centre")
	case known && rp.Country != pt.Country:
		errs.add("reception_point_id", Inconsistent, "reception_point_id must be in the country of point_id")
	}
}

func (v *Validator) validateAssistance(ev *Event, errs *Errors, decoded int) {
	if ev.Type != Assistance {
		if ev.Type != TypeUnknown {
			notAllowed(errs, "case_type", ev.CaseType != CaseTypeNone, "assistance")
			notAllowed(errs, "case_status", ev.CaseStatus != CaseStatusNone, "assistance")
			notAllowed(errs, "assistance_country", ev.AssistanceCountry != "", "assistance")
		}
		return
	}
	if ev.Person.Nationality == "" {
		required(errs, decoded, "person.nationality")
	}
	if ev.CaseType == CaseTypeNone {
		required(errs, decoded, "case_type")
	}
	if ev.CaseStatus == CaseStatusNone {
		required(errs, decoded, "case_status")
	}
}

func (v *Validator) validateReferral(ev *Event, errs *Errors, decoded int) {
	if ev.Type != Referral {
		if ev.Type != TypeUnknown {
			notAllowed(errs, "service", ev.Service != ServiceNone, "referral")
			notAllowed(errs, "outcome", ev.Outcome != OutcomeNone, "referral")
		}
		return
	}
	if ev.Service == ServiceNone {
		required(errs, decoded, "service")
	}
}

func notAllowed(errs *Errors, path string, set bool, only string) {
	if set {
		errs.add(path, FieldNotAllowed, path+" is only allowed on "+only+" events")
	}
}
