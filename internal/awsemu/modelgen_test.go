package awsemu

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/elevate/elevate/internal/awsemu/internal/modelgen/gen"
)

// modelsDir is where go:generate reads the models from (the repository's
// sibling directory shared/aws-models).
const modelsDir = "../../../shared/aws-models"

func TestGeneratedModelUpToDate(t *testing.T) {
	if _, err := os.Stat(filepath.Join(modelsDir, "sso-admin", "service-2.json")); err != nil {
		t.Skipf("AWS models not found at %s: %v", modelsDir, err)
	}
	want, err := gen.Generate(modelsDir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("model_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("model_gen.go is out of date: run `go generate ./internal/awsemu`")
	}
}

func TestGeneratedModel(t *testing.T) {
	if genSourceCommit != gen.SourceCommit {
		t.Errorf("genSourceCommit = %s, want %s", genSourceCommit, gen.SourceCommit)
	}
	// Every shape compiles (patterns included) and every operation's input
	// resolves.
	shapes := compiledShapes()
	if len(shapes) != len(genShapes) {
		t.Errorf("%d shapes compiled, %d generated", len(shapes), len(genShapes))
	}
	in := inputShapes()
	for _, op := range genOperations {
		if in[op.Target] == nil {
			t.Errorf("%s has no input shape", op.Target)
		}
	}
	// Spot checks against the model.
	ca := modelShape("sso-admin.CreateAccountAssignmentRequest")
	if len(ca.required) != 6 || ca.members["TargetType"].enum[0] != "AWS_ACCOUNT" {
		t.Errorf("CreateAccountAssignmentRequest = %+v", ca)
	}
	if mr := modelShape("organizations.MaxResults"); mr.min != 1 || mr.max != 20 {
		t.Errorf("organizations MaxResults = %d..%d", mr.min, mr.max)
	}
	if mi := modelShape("identitystore.MemberId"); mi.kind != kindUnion {
		t.Errorf("MemberId kind = %s", mi.kind)
	}
}
