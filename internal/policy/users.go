package policy

import "github.com/elevate/elevate/internal/access"

// Users returns the directory's users, in the index's order.
func (x *Index) Users() []access.User {
	return append([]access.User(nil), x.users...)
}
