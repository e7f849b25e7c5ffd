package access

// DirectoryKinds are the kinds of directory rows a sync stages and applies,
// in the order it applies them.
var DirectoryKinds = []string{"accounts", "ous", "permission_sets", "users", "groups", "memberships"}

// DirectoryChange is what applying a staged sync did to one kind of
// directory row.
type DirectoryChange struct {
	Seen     int // rows staged by the run (the directory as AWS has it)
	Inserted int
	Updated  int // rows whose values changed
	Deleted  int // rows not seen in the run
}

// Writes is how many rows the change wrote.
func (c DirectoryChange) Writes() int { return c.Inserted + c.Updated + c.Deleted }

// DirectoryChanges are the changes of an applied sync, by kind
// (DirectoryKinds).
type DirectoryChanges map[string]DirectoryChange

// Writes is how many directory rows the sync wrote in all.
func (c DirectoryChanges) Writes() int {
	n := 0
	for _, ch := range c {
		n += ch.Writes()
	}
	return n
}
