package simulate

// corridor is one flow the simulator draws from: where, who reports it, what kind of event,
// and who moves there.
type corridor struct {
	name      string
	point     string
	agency    string
	typ       string // crossing, detention, return
	direction string // entry, exit (crossings)
	returning string // the country returning people (returns)
	mode      string // air, land (returns)
	weight    float64
	nats      []string // nationalities, the first ones most often
	dest      string   // declared destination, "" for none
}

// corridors of the region, from origin through the Darién, Central America and Mexico to the
// United States, and the returns by air and land to the reception centres.
var corridors = []corridor{
	{name: "origin-honduras", point: "hnd-agua-caliente", agency: "hn-inm", typ: "crossing", direction: "exit", weight: 6, nats: []string{"HND", "HND", "HND", "NIC"}, dest: "USA"},
	{name: "darien", point: "pan-lajas-blancas", agency: "pa-snm", typ: "crossing", direction: "entry", weight: 12, nats: []string{"VEN", "VEN", "ECU", "HTI", "COL", "CHN"}},
	{name: "costa-rica", point: "cri-paso-canoas", agency: "cr-dgme", typ: "crossing", direction: "entry", weight: 9, nats: []string{"VEN", "ECU", "HTI", "COL"}},
	{name: "honduras-transit", point: "hnd-cami-trojes", agency: "hn-inm", typ: "crossing", direction: "entry", weight: 9, nats: []string{"VEN", "CUB", "HTI", "ECU"}},
	{name: "guatemala-transit", point: "gtm-tecun-uman", agency: "gt-igm", typ: "crossing", direction: "exit", weight: 8, nats: []string{"HND", "VEN", "SLV", "GTM"}},
	{name: "mexico-south", point: "mex-ciudad-hidalgo", agency: "mx-inm", typ: "crossing", direction: "entry", weight: 8, nats: []string{"HND", "GTM", "VEN", "SLV"}},
	{name: "mexico-detention", point: "mex-tap-tapachula", agency: "mx-inm", typ: "detention", weight: 4, nats: []string{"HND", "GTM", "VEN", "CUB"}},
	{name: "us-border", point: "usa-bp-rio-grande-valley", agency: "us-cbp", typ: "detention", weight: 7, nats: []string{"MEX", "GTM", "HND", "VEN"}},
	{name: "returns-air-honduras", point: "hnd-sap-ramon-villeda-morales", agency: "hn-inm", typ: "return", returning: "USA", mode: "air", weight: 3, nats: []string{"HND"}},
	{name: "returns-air-guatemala", point: "gtm-la-aurora", agency: "gt-igm", typ: "return", returning: "USA", mode: "air", weight: 3, nats: []string{"GTM"}},
	{name: "returns-land-guatemala", point: "gtm-tecun-uman", agency: "gt-igm", typ: "return", returning: "MEX", mode: "land", weight: 2, nats: []string{"GTM"}},
	{name: "returns-land-honduras", point: "hnd-corinto", agency: "hn-inm", typ: "return", returning: "GTM", mode: "land", weight: 2, nats: []string{"HND"}},
}

// Scenarios multiply some corridors' flows from the surge's start.
var Scenarios = map[string]map[string]float64{
	"none":    {},
	"caravan": {"origin-honduras": 8, "guatemala-transit": 4, "mexico-south": 3}, // a caravan leaves San Pedro Sula
	"darien":  {"darien": 5, "costa-rica": 3},                                    // a surge through the Darién
	"returns": {"returns-air-honduras": 6, "returns-air-guatemala": 6},           // a wave of return flights
}

var (
	givenNames  = []string{"María", "José", "Ana", "Luis", "Carmen", "Jorge", "Rosa", "Pedro", "Yamilé", "Jean", "Daniela", "Wilmer", "Yessenia", "Kevin", "Marlen", "Esteban"}
	familyNames = []string{"Pérez", "López", "Hernández", "Mejía", "Castro", "Baptiste", "Rojas", "Xol", "Banegas", "Quispe", "Ramírez", "Núñez", "Flores", "Joseph"}
)
