package teamimport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/elevate/elevate/internal/access"
)

// ReadDirectory reads a directory snapshot written as the JSON of
// access.Directory ({"Accounts":[{"ID":..., "Name":..., "ParentID":...}],
// "OUs", "PermissionSets", "Users", "Groups", "Memberships"}), for an
// import without the server's database. Unknown keys are errors, so a
// misspelt field is not read as an empty list.
func ReadDirectory(path string) (access.Directory, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return access.Directory{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var d access.Directory
	if err := dec.Decode(&d); err != nil {
		return access.Directory{}, fmt.Errorf("%s: not a directory snapshot (the JSON of access.Directory): %w", path, err)
	}
	return d, nil
}
