package teamimport

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Table is one of TEAM's DynamoDB tables that the import reads.
type Table string

// The tables the import understands.
const (
	Eligibility Table = "Eligibility"
	Approvers   Table = "Approvers"
	Settings    Table = "Settings"
)

// Scan is one `aws dynamodb scan --output json` file: its table, told from
// the shapes of its items, and the items with their typed attributes
// decoded.
type Scan struct {
	File  string
	Table Table // empty for a scan with no items
	Items []Item
}

// Item is one DynamoDB item of a scan, its attributes decoded from
// DynamoDB's typed JSON into Go values: string (S, N), bool (BOOL), nil
// (NULL), []any (L, SS, NS) and map[string]any (M).
type Item struct {
	File  string
	Index int // position in the scan's Items, from 0
	Attrs map[string]any
}

// Where names the item for messages: the file, its position and its id
// when it has one.
func (it Item) Where() string {
	s := fmt.Sprintf("%s: item %d", it.File, it.Index+1)
	if id, ok := it.Attrs["id"].(string); ok && id != "" {
		s += fmt.Sprintf(" (id %s)", id)
	}
	return s
}

// ErrNotTEAM marks a well-formed scan whose items belong to none of the
// tables the import reads (TEAM's requests or sessions, or another table).
var ErrNotTEAM = errors.New("not a scan of TEAM's Eligibility, Approvers or Settings table")

// ParseScan reads one scan file. The table is told from the items: their
// Amplify __typename when present, else their attributes; every item must
// agree. The file name plays no part, so a renamed export still works.
func ParseScan(file string, data []byte) (Scan, error) {
	var raw struct {
		Items     []map[string]json.RawMessage `json:"Items"`
		NextToken *string                      `json:"NextToken"`
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return Scan{}, fmt.Errorf("%s: not the JSON of `aws dynamodb scan --output json`: %w", file, err)
	}
	if _, ok := probe["Items"]; !ok {
		return Scan{}, fmt.Errorf("%s: no \"Items\": not the output of `aws dynamodb scan --output json`", file)
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return Scan{}, fmt.Errorf("%s: Items: %w", file, err)
	}
	if raw.NextToken != nil {
		return Scan{}, fmt.Errorf("%s: a partial scan (it has a NextToken): export the whole table, without --max-items", file)
	}
	sc := Scan{File: file}
	var first Item
	for i, rawItem := range raw.Items {
		it := Item{File: file, Index: i, Attrs: make(map[string]any, len(rawItem))}
		for name, v := range rawItem {
			val, err := decodeAttr(v)
			if err != nil {
				return Scan{}, fmt.Errorf("%s: attribute %q: %w", it.Where(), name, err)
			}
			it.Attrs[name] = val
		}
		t, err := classify(it)
		if err != nil {
			return Scan{}, err
		}
		if sc.Table == "" {
			sc.Table, first = t, it
		} else if t != sc.Table {
			return Scan{}, fmt.Errorf("%s: an %s item in a scan whose first item (%s) is an %s item: export one table per file", it.Where(), t, first.Where(), sc.Table)
		}
		sc.Items = append(sc.Items, it)
	}
	return sc, nil
}

// classify tells which table an item comes from.
func classify(it Item) (Table, error) {
	if tn, ok := it.Attrs["__typename"].(string); ok && tn != "" {
		for _, t := range []Table{Eligibility, Approvers, Settings} {
			if strings.EqualFold(tn, string(t)) {
				return t, nil
			}
		}
		return "", fmt.Errorf("%s: __typename %q: %w", it.Where(), tn, ErrNotTEAM)
	}
	typ, _ := it.Attrs["type"].(string)
	has := func(names ...string) bool {
		return slices.ContainsFunc(names, func(n string) bool { _, ok := it.Attrs[n]; return ok })
	}
	switch {
	case typ == "User" || typ == "Group" || has("permissions", "approvalRequired"):
		return Eligibility, nil
	case typ == "Account" || typ == "OU" || has("groupIds", "approvers"):
		return Approvers, nil
	case typ == "" && has("expiry", "approval", "comments", "slackToken"):
		return Settings, nil
	}
	return "", fmt.Errorf("%s: its attributes (%s) are not those of an Eligibility, Approvers or Settings item: %w", it.Where(), strings.Join(attrNames(it.Attrs), ", "), ErrNotTEAM)
}

func attrNames(m map[string]any) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// decodeAttr decodes one DynamoDB typed value, such as {"S":"x"} or
// {"L":[{"S":"a"}]}. Binary values are refused: TEAM stores none.
func decodeAttr(data json.RawMessage) (any, error) {
	var typed map[string]json.RawMessage
	if err := json.Unmarshal(data, &typed); err != nil || len(typed) != 1 {
		return nil, fmt.Errorf("not a DynamoDB typed value such as {\"S\":\"text\"}: %s", clip(data))
	}
	for typ, v := range typed {
		switch typ {
		case "S", "N":
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, fmt.Errorf("%s: want a string: %s", typ, clip(v))
			}
			return s, nil
		case "BOOL":
			var b bool
			if err := json.Unmarshal(v, &b); err != nil {
				return nil, fmt.Errorf("BOOL: want true or false: %s", clip(v))
			}
			return b, nil
		case "NULL":
			return nil, nil
		case "SS", "NS":
			var ss []string
			if err := json.Unmarshal(v, &ss); err != nil {
				return nil, fmt.Errorf("%s: want a list of strings: %s", typ, clip(v))
			}
			out := make([]any, len(ss))
			for i, s := range ss {
				out[i] = s
			}
			return out, nil
		case "L":
			var list []json.RawMessage
			if err := json.Unmarshal(v, &list); err != nil {
				return nil, fmt.Errorf("type L wants a list: %s", clip(v))
			}
			out := make([]any, len(list))
			for i, e := range list {
				d, err := decodeAttr(e)
				if err != nil {
					return nil, fmt.Errorf("[%d]: %w", i, err)
				}
				out[i] = d
			}
			return out, nil
		case "M":
			var m map[string]json.RawMessage
			if err := json.Unmarshal(v, &m); err != nil {
				return nil, fmt.Errorf("type M wants an object: %s", clip(v))
			}
			out := make(map[string]any, len(m))
			for k, e := range m {
				d, err := decodeAttr(e)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", k, err)
				}
				out[k] = d
			}
			return out, nil
		}
		return nil, fmt.Errorf("DynamoDB type %q is not one TEAM uses", typ)
	}
	return nil, nil // unreachable: typed has one key
}

func clip(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 60 {
		return string(b[:60]) + "..."
	}
	return string(b)
}

// ReadPaths reads the scans named by paths: files, or directories whose
// *.json files are read. A named file must be a scan of a table the import
// reads; in a directory, scans of TEAM's other tables (requests, sessions)
// are skipped and returned by name with the reason, so that one directory
// holding every table's export can be given as it is.
func ReadPaths(paths []string) (scans []Scan, skipped []string, err error) {
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, nil, err
		}
		if !info.IsDir() {
			sc, err := readFile(p)
			if err != nil {
				return nil, nil, err
			}
			scans = append(scans, sc)
			continue
		}
		files, err := filepath.Glob(filepath.Join(p, "*.json"))
		if err != nil {
			return nil, nil, err
		}
		if len(files) == 0 {
			return nil, nil, fmt.Errorf("%s: no *.json files (the scans of TEAM's tables)", p)
		}
		for _, f := range files {
			sc, err := readFile(f)
			if errors.Is(err, ErrNotTEAM) {
				skipped = append(skipped, err.Error())
				continue
			}
			if err != nil {
				return nil, nil, err
			}
			scans = append(scans, sc)
		}
	}
	return scans, skipped, nil
}

func readFile(path string) (Scan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Scan{}, err
	}
	return ParseScan(path, data)
}
