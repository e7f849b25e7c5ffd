// Package archtest checks rules of the architecture that the import linter
// cannot see: who begins transactions, and who sees an engine's own
// transaction type.
package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// root is the repository, from this package's directory.
const root = "../.."

// sourceFiles returns the non-test Go files of the product (internal/ and
// cmd/), by path relative to the repository. Benchmark programs (bench/)
// seed their data directly and are not the product.
func sourceFiles(t *testing.T) map[string]*ast.File {
	t.Helper()
	out := map[string]*ast.File{}
	fset := token.NewFileSet()
	for _, dir := range []string{"internal", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			out[filepath.ToSlash(rel)] = f
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(out) < 100 {
		t.Fatalf("found only %d source files under %s: is the test run from its package directory?", len(out), root)
	}
	return out
}

func under(path string, dirs ...string) bool {
	for _, d := range dirs {
		if strings.HasPrefix(path, d+"/") {
			return true
		}
	}
	return false
}

// TestOnlyWorkflowBeginsTransactions: the use cases in workflow own every
// transaction; the engines implement InTx and ReadTx (and call their own).
func TestOnlyWorkflowBeginsTransactions(t *testing.T) {
	t.Parallel()
	for path, f := range sourceFiles(t) {
		if under(path, "internal/workflow", "internal/store") {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok && (sel.Sel.Name == "InTx" || sel.Sel.Name == "ReadTx") {
				t.Errorf("%s begins a transaction (%s): only workflow's use cases may", path, sel.Sel.Name)
			}
			return true
		})
	}
}

// TestOnlyEnginesAndTheInserterSeeEngineTransactions: an engine's own
// transaction type (*sql.Tx, pgx.Tx) appears only in the engines and in the
// job inserter that River writes with.
func TestOnlyEnginesAndTheInserterSeeEngineTransactions(t *testing.T) {
	t.Parallel()
	for path, f := range sourceFiles(t) {
		if under(path, "internal/store", "internal/jobs") {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && ((x.Name == "sql" && sel.Sel.Name == "Tx") || (x.Name == "pgx" && sel.Sel.Name == "Tx")) {
				t.Errorf("%s names %s.%s: only the engines and the job inserter may", path, x.Name, sel.Sel.Name)
			}
			return true
		})
	}
}
