package awsemu

import (
	"context"
	"slices"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/document"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/types"
)

func (f *fixture) member(userName string) types.MemberId {
	return &types.MemberIdMemberUserId{Value: f.emu.UserID(userName)}
}

func TestIdentityStoreUsers(t *testing.T) {
	seed := DemoSeed()
	seed.Users = append(seed.Users, SeedUser{UserName: "frank", Email: "frank@example.com", Disabled: true})
	f := newFixture(t, &seed, Options{PageSize: 2})
	ctx := context.Background()
	store := aws.String(f.emu.IdentityStoreID())

	p := identitystore.NewListUsersPaginator(f.ids, &identitystore.ListUsersInput{IdentityStoreId: store})
	var users []types.User
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		users = append(users, page.Users...)
	}
	if len(users) != 6 || pages != 3 {
		t.Fatalf("%d users in %d pages, want 6 in 3", len(users), pages)
	}
	alice := users[0]
	if aws.ToString(alice.UserName) != "alice" || aws.ToString(alice.DisplayName) != "Alice Anders" ||
		aws.ToString(alice.UserId) != f.emu.UserID("alice") || aws.ToString(alice.IdentityStoreId) != f.emu.IdentityStoreID() ||
		len(alice.Emails) != 1 || aws.ToString(alice.Emails[0].Value) != "alice@example.com" || !alice.Emails[0].Primary ||
		alice.Name == nil || aws.ToString(alice.Name.GivenName) != "Alice" || aws.ToString(alice.Name.FamilyName) != "Anders" ||
		alice.UserStatus != types.UserStatusEnabled || alice.CreatedAt == nil {
		t.Errorf("alice = %+v", alice)
	}
	if users[5].UserStatus != types.UserStatusDisabled || aws.ToString(users[5].DisplayName) != "frank" {
		t.Errorf("frank = %+v", users[5])
	}

	filtered, err := f.ids.ListUsers(ctx, &identitystore.ListUsersInput{
		IdentityStoreId: store,
		Filters:         []types.Filter{{AttributePath: aws.String("UserName"), AttributeValue: aws.String("BOB")}},
	})
	if err != nil || len(filtered.Users) != 1 || aws.ToString(filtered.Users[0].UserName) != "bob" || filtered.NextToken != nil {
		t.Errorf("filtered = %+v, %v", filtered, err)
	}

	d, err := f.ids.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: store, UserId: aws.String(f.emu.UserID("carol"))})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(d.UserName) != "carol" || aws.ToString(d.DisplayName) != "Carol Chen" || d.CreatedAt == nil || !d.CreatedAt.Equal(f.clock.Now()) {
		t.Errorf("DescribeUser = %+v", d)
	}
	_, err = f.ids.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: store, UserId: aws.String("00000000-0000-0000-0000-000000000000")})
	nf := requireErrorAs[*types.ResourceNotFoundException](t, err)
	if nf.ResourceType != types.ResourceTypeUser || aws.ToString(nf.RequestId) == "" || aws.ToString(nf.ResourceId) == "" {
		t.Errorf("not found = %+v", nf)
	}
	_, err = f.ids.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: aws.String("d-0000000000"), UserId: aws.String(f.emu.UserID("carol"))})
	nf = requireErrorAs[*types.ResourceNotFoundException](t, err)
	if nf.ResourceType != types.ResourceTypeIdentityStore {
		t.Errorf("wrong store = %+v", nf)
	}
	_, err = f.ids.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: aws.String("store"), UserId: aws.String(f.emu.UserID("carol"))})
	_ = requireErrorAs[*types.ValidationException](t, err)
	_, err = f.ids.ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: store, MaxResults: aws.Int32(101)})
	_ = requireErrorAs[*types.ValidationException](t, err)
}

func TestIdentityStoreGetUserID(t *testing.T) {
	f := newFixture(t, nil, Options{})
	ctx := context.Background()
	store := aws.String(f.emu.IdentityStoreID())
	lookup := func(path, value string) (*identitystore.GetUserIdOutput, error) {
		return f.ids.GetUserId(ctx, &identitystore.GetUserIdInput{
			IdentityStoreId: store,
			AlternateIdentifier: &types.AlternateIdentifierMemberUniqueAttribute{Value: types.UniqueAttribute{
				AttributePath: aws.String(path), AttributeValue: document.NewLazyDocument(value),
			}},
		})
	}
	for _, tc := range [][2]string{{"userName", "dave"}, {"emails.value", "dave@example.com"}, {"userName", "DAVE"}} {
		out, err := lookup(tc[0], tc[1])
		if err != nil {
			t.Fatalf("GetUserId(%s=%s): %v", tc[0], tc[1], err)
		}
		if aws.ToString(out.UserId) != f.emu.UserID("dave") || aws.ToString(out.IdentityStoreId) != f.emu.IdentityStoreID() {
			t.Errorf("GetUserId(%s=%s) = %+v", tc[0], tc[1], out)
		}
	}
	_, err := lookup("userName", "nobody")
	_ = requireErrorAs[*types.ResourceNotFoundException](t, err)
	_, err = lookup("displayName", "Dave Dixon")
	_ = requireErrorAs[*types.ValidationException](t, err)
	_, err = lookup("userName", " ")
	_ = requireErrorAs[*types.ValidationException](t, err)
	_, err = f.ids.GetUserId(ctx, &identitystore.GetUserIdInput{
		IdentityStoreId: store,
		AlternateIdentifier: &types.AlternateIdentifierMemberExternalId{Value: types.ExternalId{
			Issuer: aws.String("https://idp.example.com"), Id: aws.String("dave"),
		}},
	})
	requireErrorAs[*types.ResourceNotFoundException](t, err)
}

func TestIdentityStoreGroups(t *testing.T) {
	f := newFixture(t, nil, Options{PageSize: 1})
	ctx := context.Background()
	store := aws.String(f.emu.IdentityStoreID())

	gp := identitystore.NewListGroupsPaginator(f.ids, &identitystore.ListGroupsInput{IdentityStoreId: store})
	var names []string
	for gp.HasMorePages() {
		page, err := gp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range page.Groups {
			names = append(names, aws.ToString(g.DisplayName))
			if aws.ToString(g.GroupId) != f.emu.GroupID(aws.ToString(g.DisplayName)) || g.CreatedAt == nil {
				t.Errorf("group = %+v", g)
			}
		}
	}
	if want := []string{"engineers", "approvers", "auditors", "admins"}; !slices.Equal(names, want) {
		t.Errorf("groups = %v, want %v", names, want)
	}
	filtered, err := f.ids.ListGroups(ctx, &identitystore.ListGroupsInput{
		IdentityStoreId: store,
		Filters:         []types.Filter{{AttributePath: aws.String("DisplayName"), AttributeValue: aws.String("auditors")}},
	})
	if err != nil || len(filtered.Groups) != 1 {
		t.Errorf("filtered groups = %+v, %v", filtered, err)
	}

	g, err := f.ids.DescribeGroup(ctx, &identitystore.DescribeGroupInput{IdentityStoreId: store, GroupId: aws.String(f.emu.GroupID("approvers"))})
	if err != nil || aws.ToString(g.DisplayName) != "approvers" || aws.ToString(g.Description) == "" || g.CreatedAt == nil {
		t.Fatalf("DescribeGroup = %+v, %v", g, err)
	}
	_, err = f.ids.DescribeGroup(ctx, &identitystore.DescribeGroupInput{IdentityStoreId: store, GroupId: aws.String(f.emu.UserID("bob"))})
	nf := requireErrorAs[*types.ResourceNotFoundException](t, err)
	if nf.ResourceType != types.ResourceTypeGroup {
		t.Errorf("not found = %+v", nf)
	}

	mp := identitystore.NewListGroupMembershipsPaginator(f.ids, &identitystore.ListGroupMembershipsInput{
		IdentityStoreId: store, GroupId: aws.String(f.emu.GroupID("approvers")),
	})
	var members []string
	for mp.HasMorePages() {
		page, err := mp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page.GroupMemberships {
			uid, ok := m.MemberId.(*types.MemberIdMemberUserId)
			if !ok || aws.ToString(m.GroupId) != f.emu.GroupID("approvers") || aws.ToString(m.MembershipId) == "" {
				t.Fatalf("membership = %+v", m)
			}
			members = append(members, uid.Value)
		}
	}
	want := []string{f.emu.UserID("bob"), f.emu.UserID("carol")}
	sort.Strings(members)
	sort.Strings(want)
	if !slices.Equal(members, want) {
		t.Errorf("approvers = %v, want %v", members, want)
	}

	fm := identitystore.NewListGroupMembershipsForMemberPaginator(f.ids, &identitystore.ListGroupMembershipsForMemberInput{
		IdentityStoreId: store, MemberId: f.member("dave"),
	})
	var groups []string
	for fm.HasMorePages() {
		page, err := fm.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page.GroupMemberships {
			groups = append(groups, aws.ToString(m.GroupId))
		}
	}
	if !slices.Equal(groups, []string{f.emu.GroupID("auditors")}) {
		t.Errorf("dave's groups = %v", groups)
	}
	_, err = f.ids.ListGroupMembershipsForMember(ctx, &identitystore.ListGroupMembershipsForMemberInput{
		IdentityStoreId: store, MemberId: &types.MemberIdMemberUserId{Value: "00000000-0000-0000-0000-000000000000"},
	})
	requireErrorAs[*types.ResourceNotFoundException](t, err)

	in, err := f.ids.IsMemberInGroups(ctx, &identitystore.IsMemberInGroupsInput{
		IdentityStoreId: store, MemberId: f.member("carol"),
		GroupIds: []string{f.emu.GroupID("approvers"), f.emu.GroupID("admins")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Results) != 2 || !in.Results[0].MembershipExists || in.Results[1].MembershipExists ||
		aws.ToString(in.Results[1].GroupId) != f.emu.GroupID("admins") {
		t.Errorf("IsMemberInGroups = %+v", in.Results)
	}
	if uid, ok := in.Results[0].MemberId.(*types.MemberIdMemberUserId); !ok || uid.Value != f.emu.UserID("carol") {
		t.Errorf("result member = %#v", in.Results[0].MemberId)
	}
	_, err = f.ids.IsMemberInGroups(ctx, &identitystore.IsMemberInGroupsInput{
		IdentityStoreId: store, MemberId: f.member("carol"), GroupIds: []string{},
	})
	requireErrorAs[*types.ValidationException](t, err)
}
