package synth

// AgeRow is one five-year band of the registered list: its share of the
// population (percent) and the share of it that is female.
type AgeRow struct {
	From, To int // ages, inclusive
	Percent  float64
	Female   float64
}

// AgeTable is the age and sex structure of an inner-London borough's GP
// registered list, modelled on the NHS Digital "Patients registered at a GP
// practice" publication for Lambeth and Southwark: few children and older
// people, and a bulge of people in their twenties and thirties (a quarter
// of the list is aged 25–34, against 14% in England). Women outnumber men
// from the seventies on.
var AgeTable = []AgeRow{
	{0, 4, 5.0, 0.49},
	{5, 9, 4.5, 0.49},
	{10, 14, 4.4, 0.49},
	{15, 19, 4.2, 0.50},
	{20, 24, 8.4, 0.52},
	{25, 29, 13.0, 0.51},
	{30, 34, 13.3, 0.50},
	{35, 39, 10.2, 0.49},
	{40, 44, 8.1, 0.49},
	{45, 49, 6.6, 0.49},
	{50, 54, 5.6, 0.49},
	{55, 59, 4.6, 0.50},
	{60, 64, 3.6, 0.51},
	{65, 69, 2.7, 0.52},
	{70, 74, 2.2, 0.54},
	{75, 79, 1.6, 0.56},
	{80, 84, 1.1, 0.59},
	{85, 89, 0.6, 0.63},
	{90, 99, 0.3, 0.70},
}

// Locality is one of the five LCN localities, with the postcode districts
// its patients live in and the share of its residents whose family is from
// each origin (NameOrigins index), which drives names and languages.
type Locality struct {
	ID        string
	Name      string
	Districts []District
	// Origins weights NameOrigins for this locality.
	Origins []float64
}

// District is a postcode district and streets in it.
type District struct {
	Code    string
	Area    string
	Streets []string
}

// Localities of the Lambeth and Southwark LCNs.
var Localities = []*Locality{
	{ID: "lcn-north-lambeth", Name: "North Lambeth",
		Districts: []District{
			{"SE1", "Waterloo", []string{"Lower Marsh", "Baylis Road", "Kennington Road", "Lambeth Walk"}},
			{"SE11", "Kennington", []string{"Kennington Lane", "Black Prince Road", "Vauxhall Walk", "Cleaver Square"}},
			{"SW8", "Vauxhall", []string{"South Lambeth Road", "Wandsworth Road", "Wilcox Road", "Larkhall Lane"}},
			{"SW9", "Stockwell", []string{"Stockwell Road", "Clapham Road", "Landor Road", "Stockwell Park Crescent"}},
		},
		// Portuguese-speaking families are concentrated around Stockwell and
		// Vauxhall ("Little Portugal").
		Origins: []float64{38, 10, 6, 15, 5, 4, 3, 4, 2, 3, 5, 3, 2}},
	{ID: "lcn-south-west-lambeth", Name: "South West Lambeth",
		Districts: []District{
			{"SW4", "Clapham", []string{"Clapham High Street", "Abbeville Road", "Bedford Road", "Kings Avenue"}},
			{"SW2", "Brixton Hill", []string{"Brixton Hill", "Acre Lane", "Tulse Hill", "Streatham Hill"}},
			{"SW16", "Streatham", []string{"Streatham High Road", "Mitcham Lane", "Leigham Court Road", "Gleneldon Road"}},
		},
		Origins: []float64{45, 11, 8, 4, 5, 5, 3, 4, 2, 3, 5, 3, 2}},
	{ID: "lcn-south-east-lambeth", Name: "South East Lambeth",
		Districts: []District{
			{"SW9", "Brixton", []string{"Brixton Road", "Coldharbour Lane", "Railton Road", "Effra Road"}},
			{"SE24", "Herne Hill", []string{"Herne Hill", "Norwood Road", "Dulwich Road", "Milkwood Road"}},
			{"SE27", "West Norwood", []string{"Norwood High Street", "Knights Hill", "Elder Road", "Gipsy Road"}},
		},
		Origins: []float64{40, 13, 12, 3, 4, 4, 4, 4, 2, 3, 4, 3, 2}},
	{ID: "lcn-north-southwark", Name: "North Southwark",
		Districts: []District{
			{"SE1", "Borough", []string{"Borough High Street", "Tooley Street", "Great Dover Street", "Long Lane"}},
			{"SE16", "Bermondsey", []string{"Jamaica Road", "Lower Road", "Southwark Park Road", "Abbeyfield Road"}},
			{"SE17", "Walworth", []string{"Walworth Road", "East Street", "Penrose Street", "Merrow Street"}},
		},
		Origins: []float64{40, 14, 6, 3, 6, 5, 4, 5, 3, 5, 4, 3, 2}},
	{ID: "lcn-south-southwark", Name: "South Southwark",
		Districts: []District{
			{"SE5", "Camberwell", []string{"Camberwell Church Street", "Denmark Hill", "Coldharbour Lane", "Grove Lane"}},
			{"SE15", "Peckham", []string{"Rye Lane", "Peckham High Street", "Queen's Road", "Bellenden Road"}},
			{"SE22", "East Dulwich", []string{"Lordship Lane", "Northcross Road", "Barry Road", "Upland Road"}},
			{"SE21", "Dulwich", []string{"Croxted Road", "Dulwich Village", "Alleyn Park", "Turney Road"}},
		},
		Origins: []float64{38, 18, 9, 3, 5, 4, 5, 4, 3, 3, 4, 3, 2}},
}

// NameOrigin is a family background: the names people from it are often
// given, and the language (BCP 47) some of them prefer, with the chance
// that they do and that they need an interpreter when they do.
type NameOrigin struct {
	Key         string
	Female      []string
	Male        []string
	Family      []string
	Language    string  // BCP 47 tag; "" for English
	LanguageP   float64 // chance of preferring Language
	InterpreteP float64 // chance of needing an interpreter, given Language
}

// NameOrigins are the family backgrounds names and languages are drawn from.
// Names include accented Latin letters, transliterations from non-Latin
// scripts, double-barrelled and long names, so that every part of the
// system that shows or sorts names meets them.
var NameOrigins = []NameOrigin{
	{Key: "british-irish",
		Female: []string{"Olivia", "Amelia", "Emily", "Sarah", "Margaret", "Siobhán", "Niamh", "Charlotte", "Eleanor", "Joan", "Gráinne", "Phoebe"},
		Male:   []string{"Oliver", "George", "James", "Thomas", "William", "Seán", "Ciarán", "Harry", "Arthur", "Dennis", "Pádraig", "Alfie"},
		Family: []string{"Smith", "Jones", "Taylor", "Brown", "Wilson", "O'Sullivan", "Murphy", "Ó Briain", "Featherstonehaugh", "Ashworth-Fitzgerald", "Walker", "Clarke", "Wright", "Hughes"}},
	{Key: "west-african", Language: "yo", LanguageP: 0.05, InterpreteP: 0.3,
		Female: []string{"Adébáyọ̀", "Oluwaseun", "Chiamaka", "Ngozi", "Abimbola", "Folasade", "Akosua", "Ama", "Oluwadamilola"},
		Male:   []string{"Oluwadamilare", "Chukwuemeka", "Kwame", "Babatunde", "Olusegun", "Ikechukwu", "Kofi", "Adewale"},
		Family: []string{"Adeyemi", "Okonkwo", "Mensah", "Oyelaran-Oyeyinka", "Adebayo", "Nwachukwu", "Boateng", "Owusu", "Ogunleye", "Akinwande"}},
	{Key: "caribbean",
		Female: []string{"Marcia", "Beverley", "Sharon", "Janice", "Maxine", "Shanice", "Keisha"},
		Male:   []string{"Winston", "Delroy", "Desmond", "Leroy", "Errol", "Tyrone", "Jermaine"},
		Family: []string{"Campbell", "Williams", "Brown", "Thompson", "Francis", "Grant", "Bailey", "Reid"}},
	{Key: "portuguese", Language: "pt", LanguageP: 0.65, InterpreteP: 0.35,
		Female: []string{"Maria", "Ana", "Inês", "Conceição", "Beatriz", "Margarida", "Leonor", "Joana"},
		Male:   []string{"João", "José", "António", "Luís", "Rui", "Sebastião", "Tiago", "Gonçalo"},
		Family: []string{"Silva", "Santos", "Ferreira", "Gonçalves", "Magalhães", "Conceição", "Araújo", "Rodrigues de Sousa", "Pereira", "Fernandes"}},
	{Key: "spanish-latin-american", Language: "es", LanguageP: 0.4, InterpreteP: 0.35,
		Female: []string{"María José", "Lucía", "Ximena", "Guadalupe", "Begoña", "Camila"},
		Male:   []string{"José Luis", "Andrés", "Iñaki", "Jesús", "Álvaro", "Matías"},
		Family: []string{"García Fernández", "Rodríguez", "Muñoz", "Peña", "Ibáñez", "Gómez", "Castañeda"}},
	{Key: "polish-east-european", Language: "pl", LanguageP: 0.45, InterpreteP: 0.3,
		Female: []string{"Małgorzata", "Agnieszka", "Katarzyna", "Zuzanna", "Jolanta", "Ioana"},
		Male:   []string{"Łukasz", "Krzysztof", "Paweł", "Wojciech", "Grzegorz", "Mihai"},
		Family: []string{"Kowalski", "Wiśniewska", "Wójcik", "Szczepański", "Brzęczyszczykiewicz", "Popescu", "Nowak"}},
	{Key: "somali-east-african", Language: "so", LanguageP: 0.45, InterpreteP: 0.45,
		Female: []string{"Hodan", "Faadumo", "Ayaan", "Sahra", "Hibaaq", "Amina"},
		Male:   []string{"Abdirahman", "Mohamed", "Abdullahi", "Said", "Yusuf", "Mahad"},
		Family: []string{"Abdi", "Warsame", "Hassan", "Farah", "Ali", "Jama"}},
	{Key: "south-asian", Language: "bn", LanguageP: 0.3, InterpreteP: 0.5,
		Female: []string{"Nusrat", "Farzana", "Priya", "Shirin", "Anjali", "Rukhsana"},
		Male:   []string{"Mohammed", "Abdul", "Rahul", "Sanjay", "Shahid", "Arjun"},
		Family: []string{"Begum", "Rahman", "Uddin", "Patel", "Chowdhury", "Venkataraghavan", "Khan"}},
	{Key: "turkish-kurdish", Language: "tr", LanguageP: 0.45, InterpreteP: 0.45,
		Female: []string{"Ayşe", "Gülşen", "Şükran", "Zeynep", "Elif"},
		Male:   []string{"Mehmet", "Mustafa", "Hüseyin", "Çağlar", "Ömer"},
		Family: []string{"Yılmaz", "Öztürk", "Çelik", "Doğan", "Şahin"}},
	{Key: "east-asian", Language: "zh", LanguageP: 0.3, InterpreteP: 0.5,
		Female: []string{"Xiaoming", "Mei Ling", "Thị Hương", "Yuki", "Ji-woo"},
		Male:   []string{"Wei", "Jian", "Văn Minh", "Haruto", "Min-jun"},
		Family: []string{"Wang", "Li", "Zhang", "Nguyễn", "Trần", "Kim", "Tanaka"}},
	{Key: "european", Language: "fr", LanguageP: 0.1, InterpreteP: 0.2,
		Female: []string{"Chloé", "Zoë", "Léa", "Francesca", "Ingrid", "Eleni"},
		Male:   []string{"Loïc", "François", "Björn", "Søren", "Giorgos", "Matteo"},
		Family: []string{"Dubois", "Müller", "Rossi", "Lefèvre", "Papadopoulos", "Østergaard", "van der Berg"}},
	{Key: "arabic", Language: "ar", LanguageP: 0.35, InterpreteP: 0.5,
		Female: []string{"Fatima", "Layla", "Mariam", "Noor", "Yasmin"},
		Male:   []string{"Ahmed", "Omar", "Khalid", "Tariq", "Youssef"},
		Family: []string{"Al-Hashimi", "Haddad", "El-Masry", "Mansour", "Abdel-Rahman"}},
	{Key: "russian", Language: "ru", LanguageP: 0.3, InterpreteP: 0.3,
		Female: []string{"Svetlana", "Yekaterina", "Natalya", "Oksana"},
		Male:   []string{"Dmitriy", "Aleksandr", "Sergey", "Volodymyr"},
		Family: []string{"Ivanova", "Kuznetsov", "Shevchenko", "Smirnova"}},
}

// Carer relationships, from the HL7 v3 RoleCode system FHIR uses for
// RelatedPerson.relationship.
var carerRelations = []struct {
	Code, Display string
	Weight        float64
}{
	{"SPS", "spouse", 4},
	{"CHILD", "child", 3},
	{"DAU", "natural daughter", 2},
	{"SON", "natural son", 1},
	{"SIB", "sibling", 1},
	{"FRND", "unrelated friend", 1},
	{"NBOR", "neighbor", 0.5},
	{"MTH", "mother", 0.5},
}
