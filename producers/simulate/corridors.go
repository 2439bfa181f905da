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
	// Returns: the reception centre that receives adults and accompanied children, and the
	// one for unaccompanied children and (Honduras) families; "" for none.
	reception, childReception string
	familiesToChildCentre     bool
	// Assistance: the consulates of the nationals' country (point is the first).
	consulates []string
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
	// Honduras receives families and unaccompanied children at CANFM Belén (SENAF), the others
	// at the CAMR of its airport or of Omoa; Guatemala receives families with the adults
	// (Sosep attends them at IGM's centres) and unaccompanied children at the Secretaría de
	// Bienestar Social's Casa Nuestras Raíces; El Salvador receives everyone at the DAMI.
	{name: "returns-air-honduras", point: "hnd-sap-ramon-villeda-morales", agency: "hn-inm", typ: "return", returning: "USA", mode: "air", weight: 3, nats: []string{"HND"},
		reception: "hnd-camr-san-pedro-sula", childReception: "hnd-canfm-belen-san-pedro-sula", familiesToChildCentre: true},
	{name: "returns-air-guatemala", point: "gtm-la-aurora", agency: "gt-igm", typ: "return", returning: "USA", mode: "air", weight: 3, nats: []string{"GTM"},
		reception: "gtm-crr-fuerza-aerea", childReception: "gtm-casa-nuestras-raices-guatemala"},
	{name: "returns-land-guatemala", point: "gtm-tecun-uman", agency: "gt-igm", typ: "return", returning: "MEX", mode: "land", weight: 2, nats: []string{"GTM"},
		reception: "gtm-crr-tecun-uman", childReception: "gtm-casa-nuestras-raices-quetzaltenango"},
	{name: "returns-land-honduras", point: "hnd-corinto", agency: "hn-inm", typ: "return", returning: "GTM", mode: "land", weight: 2, nats: []string{"HND"},
		reception: "hnd-camr-omoa", childReception: "hnd-canfm-belen-san-pedro-sula", familiesToChildCentre: true},
	{name: "returns-air-el-salvador", point: "slv-sal-monsenor-romero", agency: "sv-dgme", typ: "return", returning: "USA", mode: "air", weight: 1, nats: []string{"SLV"},
		reception: "slv-dami-san-salvador", childReception: "slv-dami-san-salvador"},
	// Consular cases of Hondurans, Guatemalans and Salvadorans in Mexico and the US, at the
	// registry's consulates, published by each foreign ministry. Weight: about one case for
	// every seven returns (an assumption, PROPORTIONS.md).
	{name: "consular-honduras", point: "hnd-cons-tapachula", agency: "hn-sreci", typ: "assistance", weight: 0.6, nats: []string{"HND"},
		consulates: []string{"hnd-cons-tapachula", "hnd-cons-ciudad-de-mexico", "hnd-cons-houston", "hnd-cons-los-angeles", "hnd-cons-miami", "hnd-cons-new-orleans", "hnd-cons-mcallen", "hnd-cons-dallas"}},
	{name: "consular-guatemala", point: "gtm-cons-tapachula", agency: "gt-minex", typ: "assistance", weight: 0.6, nats: []string{"GTM"},
		consulates: []string{"gtm-cons-tapachula", "gtm-cons-ciudad-de-mexico", "gtm-cons-houston", "gtm-cons-los-angeles", "gtm-cons-mcallen", "gtm-cons-phoenix"}},
	{name: "consular-el-salvador", point: "slv-cons-tapachula", agency: "sv-rree", typ: "assistance", weight: 0.3, nats: []string{"SLV"},
		consulates: []string{"slv-cons-tapachula", "slv-cons-ciudad-de-mexico", "slv-cons-houston", "slv-cons-los-angeles"}},
}

// receptionAgency is who publishes the referrals of each reception centre: the agency that
// runs it (Honduras' CAMRs register returnees for the INM; CANFM Belén is SENAF's; Casa
// Nuestras Raíces the Secretaría de Bienestar Social's; the DAMI the DGME's).
var receptionAgency = map[string]string{
	"hnd-camr-san-pedro-sula":                 "hn-inm",
	"hnd-camr-omoa":                           "hn-inm",
	"hnd-canfm-belen-san-pedro-sula":          "hn-senaf",
	"gtm-crr-fuerza-aerea":                    "gt-igm",
	"gtm-crr-tecun-uman":                      "gt-igm",
	"gtm-casa-nuestras-raices-guatemala":      "gt-sbs",
	"gtm-casa-nuestras-raices-quetzaltenango": "gt-sbs",
	"slv-dami-san-salvador":                   "sv-dgme",
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
