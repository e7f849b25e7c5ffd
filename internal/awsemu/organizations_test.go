package awsemu

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

func TestOrganizations(t *testing.T) {
	f := newFixture(t, nil, Options{PageSize: 3})
	ctx := context.Background()

	org, err := f.org.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		t.Fatal(err)
	}
	o := org.Organization
	if aws.ToString(o.MasterAccountId) != "111122223333" || aws.ToString(o.MasterAccountEmail) != "aws-management@example.com" ||
		o.FeatureSet != types.OrganizationFeatureSetAll || aws.ToString(o.Id) != f.emu.org.id ||
		aws.ToString(o.MasterAccountArn) != "arn:aws:organizations::111122223333:account/"+f.emu.org.id+"/111122223333" {
		t.Errorf("organization = %+v", o)
	}

	rp := organizations.NewListRootsPaginator(f.org, &organizations.ListRootsInput{})
	var roots []types.Root
	for rp.HasMorePages() {
		page, err := rp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		roots = append(roots, page.Roots...)
	}
	if len(roots) != 1 || aws.ToString(roots[0].Name) != "Root" {
		t.Fatalf("roots = %+v", roots)
	}
	rootID := aws.ToString(roots[0].Id)

	ous := func(parent string) map[string]string {
		t.Helper()
		p := organizations.NewListOrganizationalUnitsForParentPaginator(f.org, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(parent)})
		out := map[string]string{}
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, ou := range page.OrganizationalUnits {
				out[aws.ToString(ou.Name)] = aws.ToString(ou.Id)
			}
		}
		return out
	}
	top := ous(rootID)
	if len(top) != 3 || top["Security"] == "" || top["Workloads"] == "" || top["Sandbox"] == "" {
		t.Fatalf("top-level OUs = %v", top)
	}
	workloads := ous(top["Workloads"])
	if len(workloads) != 2 || workloads["Prod"] == "" || workloads["NonProd"] == "" {
		t.Fatalf("Workloads OUs = %v", workloads)
	}

	accounts := func(in *organizations.ListAccountsForParentInput) []string {
		t.Helper()
		p := organizations.NewListAccountsForParentPaginator(f.org, in)
		var names []string
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range page.Accounts {
				names = append(names, aws.ToString(a.Name))
			}
		}
		return names
	}
	if got := accounts(&organizations.ListAccountsForParentInput{ParentId: aws.String(rootID)}); !slices.Equal(got, []string{"management"}) {
		t.Errorf("root accounts = %v", got)
	}
	if got := accounts(&organizations.ListAccountsForParentInput{ParentId: aws.String(workloads["NonProd"])}); !slices.Equal(got, []string{"staging", "dev"}) {
		t.Errorf("NonProd accounts = %v", got)
	}
	if got := accounts(&organizations.ListAccountsForParentInput{ParentId: aws.String(top["Workloads"])}); len(got) != 0 {
		t.Errorf("Workloads has direct accounts %v", got)
	}

	ap := organizations.NewListAccountsPaginator(f.org, &organizations.ListAccountsInput{})
	var all []types.Account
	pages := 0
	for ap.HasMorePages() {
		page, err := ap.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		all = append(all, page.Accounts...)
	}
	if len(all) != 8 || pages != 3 {
		t.Fatalf("%d accounts in %d pages, want 8 in 3", len(all), pages)
	}
	for _, a := range all {
		if a.State != types.AccountStateActive || a.Status != types.AccountStatusActive || a.JoinedTimestamp == nil ||
			aws.ToString(a.Email) == "" || len(a.Paths) != 1 {
			t.Errorf("account = %+v", a)
		}
	}

	d, err := f.org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(f.emu.AccountID("prod"))})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(d.Account.Name) != "prod" || d.Account.JoinedTimestamp == nil || !d.Account.JoinedTimestamp.Equal(f.clock.Now()) ||
		aws.ToString(d.Account.Email) != "aws-prod@example.com" || d.Account.JoinedMethod != types.AccountJoinedMethodCreated {
		t.Errorf("DescribeAccount = %+v", d.Account)
	}
	_, err = f.org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String("999999999999")})
	requireErrorAs[*types.AccountNotFoundException](t, err)
	_, err = f.org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String("prod")})
	ii := requireErrorAs[*types.InvalidInputException](t, err)
	if ii.Reason != types.InvalidInputExceptionReasonInvalidPattern {
		t.Errorf("reason = %q", ii.Reason)
	}
	_, err = f.org.ListAccounts(ctx, &organizations.ListAccountsInput{MaxResults: aws.Int32(21)})
	ii = requireErrorAs[*types.InvalidInputException](t, err)
	if ii.Reason != types.InvalidInputExceptionReasonMaxValueExceeded {
		t.Errorf("reason = %q", ii.Reason)
	}
	_, err = f.org.ListAccounts(ctx, &organizations.ListAccountsInput{NextToken: aws.String("garbage")})
	ii = requireErrorAs[*types.InvalidInputException](t, err)
	if ii.Reason != types.InvalidInputExceptionReasonInvalidPaginationToken {
		t.Errorf("reason = %q", ii.Reason)
	}

	parents := func(child string) []types.Parent {
		t.Helper()
		p := organizations.NewListParentsPaginator(f.org, &organizations.ListParentsInput{ChildId: aws.String(child)})
		var out []types.Parent
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, page.Parents...)
		}
		return out
	}
	if got := parents(f.emu.AccountID("dev")); len(got) != 1 || aws.ToString(got[0].Id) != workloads["NonProd"] || got[0].Type != types.ParentTypeOrganizationalUnit {
		t.Errorf("parents of dev = %+v", got)
	}
	if got := parents(f.emu.AccountID("management")); len(got) != 1 || aws.ToString(got[0].Id) != rootID || got[0].Type != types.ParentTypeRoot {
		t.Errorf("parents of management = %+v", got)
	}
	if got := parents(workloads["Prod"]); len(got) != 1 || aws.ToString(got[0].Id) != top["Workloads"] {
		t.Errorf("parents of Prod = %+v", got)
	}
	_, err = f.org.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String("999999999999")})
	requireErrorAs[*types.ChildNotFoundException](t, err)
	_, err = f.org.ListAccountsForParent(ctx, &organizations.ListAccountsForParentInput{ParentId: aws.String("ou-zzzz-zzzzzzzz")})
	requireErrorAs[*types.ParentNotFoundException](t, err)
	_, err = f.org.ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String("r-zzzz")})
	requireErrorAs[*types.ParentNotFoundException](t, err)

	f.emu.InjectError("ListAccounts", "TooManyRequestsException", 1)
	_, err = f.org.ListAccounts(ctx, &organizations.ListAccountsInput{})
	requireErrorAs[*types.TooManyRequestsException](t, err)
}
