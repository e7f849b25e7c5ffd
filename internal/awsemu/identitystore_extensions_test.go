package awsemu

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/smithy-go"
)

// TestIdentityStoreEnterpriseExtension: ListUsers and DescribeUser serve
// the enterprise extension when asked for it, and only then; other
// extension names are refused as the model and the documentation say.
func TestIdentityStoreEnterpriseExtension(t *testing.T) {
	seed := DemoSeed()
	seed.Users[0].Title, seed.Users[0].UserType = "Staff SRE", "Employee"
	seed.Users[0].Enterprise = &SeedEnterprise{Department: "SRE", CostCenter: "CC-100", Division: "Platform", Organization: "Eng", EmployeeNumber: "42", Manager: "bob"}
	f := newFixture(t, &seed, Options{})
	ctx := context.Background()
	store := aws.String(f.emu.IdentityStoreID())
	ext := []string{"aws:identitystore:enterprise"}

	readExt := func(u types.User) map[string]any {
		t.Helper()
		doc, ok := u.Extensions["aws:identitystore:enterprise"]
		if !ok {
			return nil
		}
		var m map[string]any
		if err := doc.UnmarshalSmithyDocument(&m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	list, err := f.ids.ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: store, Extensions: ext})
	if err != nil {
		t.Fatal(err)
	}
	alice := list.Users[0]
	m := readExt(alice)
	mgr, _ := m["manager"].(map[string]any)
	if m["department"] != "SRE" || m["costCenter"] != "CC-100" || m["division"] != "Platform" || m["organization"] != "Eng" || m["employeeNumber"] != "42" ||
		mgr["value"] != f.emu.UserID("bob") || aws.ToString(alice.Title) != "Staff SRE" || aws.ToString(alice.UserType) != "Employee" {
		t.Errorf("alice with the extension: %+v, extension %v", alice, m)
	}
	if readExt(list.Users[1]) != nil {
		t.Errorf("bob has no enterprise attributes but got Extensions %v", list.Users[1].Extensions)
	}
	plain, err := f.ids.ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: store})
	if err != nil || plain.Users[0].Extensions != nil {
		t.Errorf("without asking: %v, %v", plain.Users[0].Extensions, err)
	}
	d, err := f.ids.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: store, UserId: aws.String(f.emu.UserID("alice")), Extensions: ext})
	if err != nil || d.Extensions == nil {
		t.Fatalf("DescribeUser with the extension: %+v, %v", d, err)
	}
	for _, names := range [][]string{{"aws:identitystore:custom"}, {"enterprise"}} {
		_, err := f.ids.ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: store, Extensions: names})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationException" {
			t.Errorf("extension %v: %v, want a ValidationException", names, err)
		}
	}
	_, err = f.ids.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: store, UserId: aws.String(f.emu.UserID("alice")), Extensions: []string{"aws:identitystore:other"}})
	if err == nil || !strings.Contains(err.Error(), "only supported extension name") {
		t.Errorf("DescribeUser with another extension: %v", err)
	}
}
