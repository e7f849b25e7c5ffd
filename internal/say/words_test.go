package say_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/elevate/elevate/internal/say"
)

// constants finds, in every non-test Go file under root, the string
// constants of a kind: those declared with one of types (an identifier or
// a selector's name), or named with one of the prefixes.
func constants(t *testing.T, root string, types []string, prefixes []string) map[string]string {
	t.Helper()
	found := map[string]string{} // value -> where
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			g, ok := decl.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				typ := ""
				switch x := vs.Type.(type) {
				case *ast.Ident:
					typ = x.Name
				case *ast.SelectorExpr:
					typ = x.Sel.Name
				}
				for i, n := range vs.Names {
					if i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					match := typ != "" && containsStr(types, typ)
					for _, p := range prefixes {
						match = match || (typ == "" && strings.HasPrefix(n.Name, p))
					}
					v, _ := strconv.Unquote(lit.Value)
					if match && kindRE.MatchString(v) {
						found[v] = fset.Position(n.Pos()).String() + " " + n.Name
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// kindRE is what a status or event kind looks like ("pending",
// "grant.activated"); an id or a sentence is not one.
var kindRE = regexp.MustCompile(`^[a-z]+([._][a-z]+)*$`)

func containsStr(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// TestEveryStatusAndEventHasWords reads elevate's own source for every
// request status, grant status, notification status and event kind
// constant, and checks each has its plain words: a kind added without
// words fails here, before anyone sees "grant.activated" in History.
func TestEveryStatusAndEventHasWords(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..")
	cases := []struct {
		what     string
		types    []string
		prefixes []string
		has      func(string) bool
		min      int
	}{
		{"request status", []string{"Status"}, nil, say.HasStatus, 9},
		{"grant status", []string{"GrantStatus"}, nil, say.HasGrantStatus, 5},
		{"notification status", nil, []string{"Notification"}, say.HasNotificationStatus, 4},
		{"event kind", []string{"EventType"}, []string{"Event"}, say.HasEvent, 40},
	}
	for _, c := range cases {
		found := constants(t, root, c.types, c.prefixes)
		// The scan itself can fail: it must find at least the known ones.
		if len(found) < c.min {
			t.Errorf("%s: found only %d constants (%v): the scan misses some", c.what, len(found), found)
		}
		for v, where := range found {
			if strings.Contains(where, "storetest") {
				continue // a test fixture's event kind
			}
			if !c.has(v) {
				t.Errorf("%s %q (%s) has no plain words in internal/say/words.go", c.what, v, where)
			}
		}
	}
}

func TestWords(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ got, want string }{
		{say.Status("pending"), "waiting for approval"},
		{say.Status("revoked"), "ended early"},
		{say.GrantStatus("revoking"), "being removed"},
		{say.NotificationStatus("skipped"), "not sent (channel off)"},
		{say.Event("grant.activated"), "granted in AWS"},
		{say.Event("request.submitted"), "requested"},
		// Unknown kinds still read as words.
		{say.Event("thing.got_done"), "thing: got done"},
		{say.Status("odd_one"), "odd one"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
