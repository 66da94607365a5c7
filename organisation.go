package joinedup

// OrgKind says what an organisation is; organisations form a tree
// (ICB → LCN locality → GP practice), with providers beside it.
type OrgKind string

// The kinds of organisation JoinedUp knows.
const (
	OrgICB        OrgKind = "icb"
	OrgLocality   OrgKind = "locality"
	OrgPractice   OrgKind = "practice"
	OrgTrust      OrgKind = "trust"
	OrgCommunity  OrgKind = "community"
	OrgSocialCare OrgKind = "social-care"
	OrgVoluntary  OrgKind = "voluntary"
	OrgOther      OrgKind = "other"
)

// Valid reports whether k is one of the known kinds.
func (k OrgKind) Valid() bool {
	switch k {
	case OrgICB, OrgLocality, OrgPractice, OrgTrust, OrgCommunity, OrgSocialCare, OrgVoluntary, OrgOther:
		return true
	}
	return false
}

// Organisation is an ICB, locality, practice, trust, provider or voluntary
// organisation. ODS is its Organisation Data Service code when it has one.
type Organisation struct {
	ID       string
	ODS      string
	Name     string
	Kind     OrgKind
	ParentID string // empty at the root
	Source   Source
}
