package synth

import (
	"fmt"
	"math/rand/v2"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/fhir"
)

// OrgKindSystem is the CodeSystem of Organization.type codings that tell
// the kinds of organisation apart; its codes are the joinedup.OrgKind values.
const OrgKindSystem = fhir.SystemOrganisationKind

// Org is an organisation of the synthetic LCN.
type Org struct {
	joinedup.Organisation
	Locality *Locality // for localities and practices
	Site     string    // for trusts: the hospital where outpatient clinics are held
	weight   float64   // relative list size, for practices
}

// The fixed organisations. ODS codes are those of the real organisations;
// the practices' codes are ODS-style but made up.
var (
	ICB = Org{Organisation: joinedup.Organisation{ID: "org-QKK", ODS: "QKK", Name: "NHS South East London ICB", Kind: joinedup.OrgICB}}
	// GSTT and King's run the two acute hospitals; SLaM the mental health
	// services.
	GSTT  = Org{Organisation: joinedup.Organisation{ID: "org-RJ1", ODS: "RJ1", Name: "Guy's and St Thomas' NHS Foundation Trust", Kind: joinedup.OrgTrust, ParentID: "org-QKK"}, Site: "St Thomas' Hospital"}
	Kings = Org{Organisation: joinedup.Organisation{ID: "org-RJZ", ODS: "RJZ", Name: "King's College Hospital NHS Foundation Trust", Kind: joinedup.OrgTrust, ParentID: "org-QKK"}, Site: "King's College Hospital"}
	SLaM  = Org{Organisation: joinedup.Organisation{ID: "org-RV5", ODS: "RV5", Name: "South London and Maudsley NHS Foundation Trust", Kind: joinedup.OrgTrust, ParentID: "org-QKK"}, Site: "Maudsley Hospital"}
)

// providers are the community, social-care and voluntary organisations.
var providers = []Org{
	GSTT, Kings, SLaM,
	{Organisation: joinedup.Organisation{ID: "org-community-lambeth", Name: "Lambeth Community Health Services", Kind: joinedup.OrgCommunity, ParentID: "org-QKK"}},
	{Organisation: joinedup.Organisation{ID: "org-community-southwark", Name: "Southwark Community Health Services", Kind: joinedup.OrgCommunity, ParentID: "org-QKK"}},
	{Organisation: joinedup.Organisation{ID: "org-asc-lambeth", Name: "Lambeth Council Adult Social Care", Kind: joinedup.OrgSocialCare, ParentID: "org-QKK"}},
	{Organisation: joinedup.Organisation{ID: "org-asc-southwark", Name: "Southwark Council Adult Social Care", Kind: joinedup.OrgSocialCare, ParentID: "org-QKK"}},
	{Organisation: joinedup.Organisation{ID: "org-vol-age-uk-lambeth", Name: "Age UK Lambeth", Kind: joinedup.OrgVoluntary, ParentID: "org-QKK"}},
	{Organisation: joinedup.Organisation{ID: "org-vol-southwark-carers", Name: "Southwark Carers", Kind: joinedup.OrgVoluntary, ParentID: "org-QKK"}},
	{Organisation: joinedup.Organisation{ID: "org-vol-mind-lambeth", Name: "Mind in Lambeth", Kind: joinedup.OrgVoluntary, ParentID: "org-QKK"}},
	{Organisation: joinedup.Organisation{ID: "org-vol-pecan", Name: "Pecan Southwark Community Support", Kind: joinedup.OrgVoluntary, ParentID: "org-QKK"}},
}

var practiceSuffixes = []string{"Medical Centre", "Surgery", "Group Practice", "Health Centre", "Medical Practice"}

// organisations builds the organisation tree for a configuration: the ICB,
// the localities, n practices spread over the localities with list sizes
// that vary about fourfold, and the providers. It depends on seed only.
func organisations(seed uint64, n int) (all []*Org, practices []*Org) {
	r := rand.New(rand.NewPCG(mix(seed, 0x07), 0x5eed))
	icb := ICB
	all = append(all, &icb)
	locs := make([]*Org, len(Localities))
	for i, l := range Localities {
		locs[i] = &Org{Organisation: joinedup.Organisation{ID: l.ID, Name: l.Name + " Local Care Network", Kind: joinedup.OrgLocality, ParentID: icb.ID}, Locality: l}
		all = append(all, locs[i])
	}
	for i := 0; i < n; i++ {
		loc := locs[i%len(locs)]
		d := loc.Locality.Districts[r.IntN(len(loc.Locality.Districts))]
		street := d.Streets[r.IntN(len(d.Streets))]
		ods := fmt.Sprintf("G85%03d", i+1)
		p := &Org{
			Organisation: joinedup.Organisation{
				ID: "org-" + ods, ODS: ods, Kind: joinedup.OrgPractice, ParentID: loc.ID,
				Name: street + " " + practiceSuffixes[r.IntN(len(practiceSuffixes))],
			},
			Locality: loc.Locality,
			weight:   0.5 + 1.5*r.Float64(),
		}
		practices = append(practices, p)
		all = append(all, p)
	}
	for i := range providers {
		p := providers[i]
		all = append(all, &p)
	}
	return all, practices
}
