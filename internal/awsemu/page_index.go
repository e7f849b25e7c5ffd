package awsemu

// Helpers that keep List operations proportional to the page they return,
// not to the size of the directory (the sync benchmark lists 100,000 users
// and the members of 20,000 groups).

// jsonOf renders the items of one page.
func jsonOf[T any](page []T, render func(T) map[string]any) []map[string]any {
	out := make([]map[string]any, len(page))
	for i, it := range page {
		out[i] = render(it)
	}
	return out
}

// membershipIndex groups the memberships by group. It is rebuilt when the
// memberships slice changes: every change to it either appends (its length
// changes) or builds a new slice (its first element's address changes,
// and the index keeps the old slice alive, so that address is not reused).
type membershipIndex struct {
	of      []*membership // the slice the index was built from
	byGroup map[string][]*membership
}

// membershipsOfGroupLocked returns the group's memberships in membership
// order. Call with e.mu held.
func (e *Emulator) membershipsOfGroupLocked(groupID string) []*membership {
	ms := e.ids.memberships
	idx := &e.memberIdx
	stale := idx.byGroup == nil || len(idx.of) != len(ms) || (len(ms) > 0 && &idx.of[0] != &ms[0])
	if stale {
		idx.of = ms
		idx.byGroup = make(map[string][]*membership)
		for _, m := range ms {
			idx.byGroup[m.groupID] = append(idx.byGroup[m.groupID], m)
		}
	}
	return idx.byGroup[groupID]
}
