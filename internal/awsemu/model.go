package awsemu

import (
	"fmt"
	"regexp"
	"sync"
)

// The constraints requests are checked against come from AWS's service
// models: model_gen.go is generated from botocore's service-2.json files by
// internal/modelgen (see the go:generate directive in modeltable.go). This
// file turns that table into the validator's shape graph and names the
// shapes the seed is checked against.

const (
	prefixSSOAdmin      = "SWBExternalService"
	prefixIdentityStore = "AWSIdentityStore"
	prefixOrganizations = "AWSOrganizationsV20161128"
)

// compiledShapes is the shape graph of genShapes, built once: shapes are
// read-only, so every Emulator shares them.
var compiledShapes = sync.OnceValue(func() map[string]*shape {
	out := make(map[string]*shape, len(genShapes))
	for key := range genShapes {
		buildShape(key, out)
	}
	return out
})

// buildShape converts the generated shape key (and what it references) into
// a *shape, memoised in out. Recursive shapes resolve to the same pointer.
func buildShape(key string, out map[string]*shape) *shape {
	if s, ok := out[key]; ok {
		return s
	}
	g, ok := genShapes[key]
	if !ok {
		panic("awsemu: model_gen.go references unknown shape " + key) // generator bug
	}
	s := &shape{}
	out[key] = s
	if g.HasMin {
		s.min, s.hasMin = g.Min, true
	}
	if g.HasMax {
		s.max, s.hasMax = g.Max, true
	}
	switch g.Type {
	case "string":
		s.kind = kindString
		s.enum = g.Enum
		if g.Pattern != "" {
			s.rawPat = g.Pattern
			s.pattern = regexp.MustCompile(`^(?:` + g.Pattern + `)$`) // checked by the generator
		}
	case "integer", "long":
		s.kind = kindInteger
	case "boolean":
		s.kind = kindBoolean
	case "timestamp":
		s.kind = kindTimestamp
	case "list":
		s.kind = kindList
		s.member = buildShape(g.Member, out)
	case "map":
		s.kind = kindMap
		s.key = buildShape(g.Key, out)
		s.member = buildShape(g.Value, out)
	case "structure", "union":
		s.kind = kindStructure
		if g.Type == "union" {
			s.kind = kindUnion
		}
		s.members = make(map[string]*shape, len(g.Members))
		for _, m := range g.Members {
			s.members[m.Name] = buildShape(m.Shape, out)
			if m.Required {
				s.required = append(s.required, m.Name)
			}
		}
	default: // document, blob, double, float: any JSON value is accepted
		s.kind = kindDocument
	}
	return s
}

// modelShape returns the compiled shape "<service dir>.<Shape>".
func modelShape(key string) *shape {
	s, ok := compiledShapes()[key]
	if !ok {
		panic(fmt.Sprintf("awsemu: shape %s is not in model_gen.go; add it to modelgen's Extra list", key))
	}
	return s
}

// modelShapes names the model shapes that the seed and the runtime
// directory changes are checked against, and some that tests use.
type modelShapes struct {
	// sso-admin
	InstanceArn      *shape
	PermissionSetArn *shape
	TargetID         *shape
	PrincipalType    *shape
	PrincipalID      *shape
	SSOMaxResults    *shape
	SSOAccountID     *shape
	PermissionSetNm  *shape
	PSDescription    *shape
	RegionName       *shape
	Duration         *shape

	// identitystore
	IdentityStoreID  *shape
	ResourceID       *shape
	SensitiveString  *shape
	GroupDisplayName *shape
	UserName         *shape
	MemberID         *shape

	// organizations
	OrgAccountID *shape
	ParentID     *shape
	ChildID      *shape
	OrgEmail     *shape
	AccountName  *shape
	AccountState *shape
	OUName       *shape
}

func newModelShapes() *modelShapes {
	return &modelShapes{
		InstanceArn:      modelShape("sso-admin.InstanceArn"),
		PermissionSetArn: modelShape("sso-admin.PermissionSetArn"),
		TargetID:         modelShape("sso-admin.TargetId"),
		PrincipalType:    modelShape("sso-admin.PrincipalType"),
		PrincipalID:      modelShape("sso-admin.PrincipalId"),
		SSOMaxResults:    modelShape("sso-admin.MaxResults"),
		SSOAccountID:     modelShape("sso-admin.AccountId"),
		PermissionSetNm:  modelShape("sso-admin.PermissionSetName"),
		PSDescription:    modelShape("sso-admin.PermissionSetDescription"),
		RegionName:       modelShape("sso-admin.RegionName"),
		Duration:         modelShape("sso-admin.Duration"),

		IdentityStoreID:  modelShape("identitystore.IdentityStoreId"),
		ResourceID:       modelShape("identitystore.ResourceId"),
		SensitiveString:  modelShape("identitystore.SensitiveStringType"),
		GroupDisplayName: modelShape("identitystore.GroupDisplayName"),
		UserName:         modelShape("identitystore.UserName"),
		MemberID:         modelShape("identitystore.MemberId"),

		OrgAccountID: modelShape("organizations.AccountId"),
		ParentID:     modelShape("organizations.ParentId"),
		ChildID:      modelShape("organizations.ChildId"),
		OrgEmail:     modelShape("organizations.Email"),
		AccountName:  modelShape("organizations.AccountName"),
		AccountState: modelShape("organizations.AccountState"),
		OUName:       modelShape("organizations.OrganizationalUnitName"),
	}
}

// emptyInput is the input of operations without one (DescribeOrganization).
var emptyInput = &shape{kind: kindStructure}

// inputShapes returns, per X-Amz-Target, the input shape of every operation
// in the generated table.
func inputShapes() map[string]*shape {
	out := make(map[string]*shape, len(genOperations))
	for _, op := range genOperations {
		if op.Input == "" {
			out[op.Target] = emptyInput
			continue
		}
		out[op.Target] = modelShape(op.Input)
	}
	return out
}
