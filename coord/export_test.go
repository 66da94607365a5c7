package coord

// HoldHashSlots takes every password check of g, as a server busy checking
// other passwords would, until release is called.
func (g *SignInGate) HoldHashSlots() (release func()) {
	for range cap(g.slots) {
		g.slots <- struct{}{}
	}
	return func() {
		for range cap(g.slots) {
			<-g.slots
		}
	}
}
