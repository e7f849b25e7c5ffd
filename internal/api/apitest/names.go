package apitest

import "context"

// AccountNames names the accounts the fake knows from its eligibilities; an
// unknown id names itself, as the workflow's does.
func (f *Fake) AccountNames(_ context.Context, ids []string) (map[string]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]string, len(ids))
	for _, id := range ids {
		out[id] = id
		for _, e := range f.eligible {
			if e.Account.ID == id {
				out[id] = e.Account.Name
			}
		}
	}
	return out, nil
}
