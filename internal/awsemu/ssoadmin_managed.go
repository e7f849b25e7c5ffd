package awsemu

import (
	"sort"
	"strings"
)

// Permission sets' managed policies: the AWS managed policies attached
// (AttachManagedPolicyToPermissionSet, ListManagedPoliciesInPermissionSet)
// and the customer managed policy references
// (AttachCustomerManagedPolicyReferenceToPermissionSet,
// ListCustomerManagedPolicyReferencesInPermissionSet). The emulator keeps
// the references only: like sso-admin, it never holds the documents, which
// live in IAM.

// managedHandlers are the sso-admin operations on managed policy references.
func (e *Emulator) managedHandlers() map[string]func(*call, []byte) (any, error) {
	return map[string]func(*call, []byte) (any, error){
		"AttachManagedPolicyToPermissionSet":                  e.attachManagedPolicy,
		"ListManagedPoliciesInPermissionSet":                  e.listManagedPolicies,
		"AttachCustomerManagedPolicyReferenceToPermissionSet": e.attachCustomerPolicy,
		"ListCustomerManagedPolicyReferencesInPermissionSet":  e.listCustomerPolicies,
	}
}

// managedState is the managed policies of each permission set, by ARN.
type managedState struct {
	aws      map[string][]attachedManagedPolicy
	customer map[string][]customerPolicyRef
}

type attachedManagedPolicy struct {
	Name string `json:"Name"`
	Arn  string `json:"Arn"`
}

type customerPolicyRef struct {
	Name string `json:"Name"`
	Path string `json:"Path,omitempty"`
}

func (s *managedState) init() {
	if s.aws == nil {
		s.aws = make(map[string][]attachedManagedPolicy)
		s.customer = make(map[string][]customerPolicyRef)
	}
}

// maxManagedPolicies is sso-admin's quota of managed policies (AWS and
// customer managed together) attached to one permission set.
const maxManagedPolicies = 20

type managedInput struct {
	pageInput
	InstanceArn, PermissionSetArn  string
	ManagedPolicyArn               string
	CustomerManagedPolicyReference *customerPolicyRef
}

// managedPermissionSet decodes a managed-policy request and checks its
// instance and its permission set.
func (e *Emulator) managedPermissionSet(raw []byte) (*permissionSet, managedInput, error) {
	var in managedInput
	if err := decode(raw, &in); err != nil {
		return nil, in, err
	}
	if err := e.checkInstance(in.InstanceArn); err != nil {
		return nil, in, err
	}
	ps, err := e.findPermissionSet(in.PermissionSetArn)
	if err != nil {
		return nil, in, err
	}
	e.managed.init()
	return ps, in, nil
}

func (e *Emulator) attachManagedPolicy(_ *call, raw []byte) (any, error) {
	ps, in, err := e.managedPermissionSet(raw)
	if err != nil {
		return nil, err
	}
	if err := e.attachManagedLocked(ps.arn, in.ManagedPolicyArn); err != nil {
		return nil, err
	}
	return map[string]any{}, nil
}

func (e *Emulator) attachManagedLocked(psARN, policyARN string) error {
	for _, p := range e.managed.aws[psARN] {
		if p.Arn == policyARN {
			return newError("ConflictException", "Managed policy %s is already attached to permission set %s.", policyARN, psARN)
		}
	}
	if len(e.managed.aws[psARN])+len(e.managed.customer[psARN]) >= maxManagedPolicies {
		return newError("ServiceQuotaExceededException", "A permission set can have at most %d managed policies attached.", maxManagedPolicies)
	}
	name := policyARN[strings.LastIndex(policyARN, "/")+1:]
	e.managed.aws[psARN] = append(e.managed.aws[psARN], attachedManagedPolicy{Name: name, Arn: policyARN})
	return nil
}

func (e *Emulator) attachCustomerPolicy(_ *call, raw []byte) (any, error) {
	ps, in, err := e.managedPermissionSet(raw)
	if err != nil {
		return nil, err
	}
	if err := e.attachCustomerLocked(ps.arn, *in.CustomerManagedPolicyReference); err != nil {
		return nil, err
	}
	return map[string]any{}, nil
}

func (e *Emulator) attachCustomerLocked(psARN string, ref customerPolicyRef) error {
	if ref.Path == "" {
		ref.Path = "/"
	}
	for _, p := range e.managed.customer[psARN] {
		if p == ref {
			return newError("ConflictException", "Customer managed policy %s%s is already attached to permission set %s.", ref.Path, ref.Name, psARN)
		}
	}
	if len(e.managed.aws[psARN])+len(e.managed.customer[psARN]) >= maxManagedPolicies {
		return newError("ServiceQuotaExceededException", "A permission set can have at most %d managed policies attached.", maxManagedPolicies)
	}
	e.managed.customer[psARN] = append(e.managed.customer[psARN], ref)
	return nil
}

func (e *Emulator) listManagedPolicies(c *call, raw []byte) (any, error) {
	ps, in, err := e.managedPermissionSet(raw)
	if err != nil {
		return nil, err
	}
	items := append([]attachedManagedPolicy{}, e.managed.aws[ps.arn]...)
	sort.Slice(items, func(i, j int) bool { return items[i].Arn < items[j].Arn })
	page, next, err := paginate(e, c, in.pageInput, items)
	if err != nil {
		return nil, err
	}
	return listResult("AttachedManagedPolicies", page, next), nil
}

func (e *Emulator) listCustomerPolicies(c *call, raw []byte) (any, error) {
	ps, in, err := e.managedPermissionSet(raw)
	if err != nil {
		return nil, err
	}
	items := append([]customerPolicyRef{}, e.managed.customer[ps.arn]...)
	sort.Slice(items, func(i, j int) bool { return items[i].Path+items[i].Name < items[j].Path+items[j].Name })
	page, next, err := paginate(e, c, in.pageInput, items)
	if err != nil {
		return nil, err
	}
	return listResult("CustomerManagedPolicyReferences", page, next), nil
}

// AttachManagedPolicy attaches an AWS managed policy (by ARN) to the named
// permission set, as AttachManagedPolicyToPermissionSet does (tests and the
// demo).
func (e *Emulator) AttachManagedPolicy(permissionSetName, policyARN string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	ps := e.sso.psByName[permissionSetName]
	if ps == nil {
		return newError("ResourceNotFoundException", "Permission set %s not found.", permissionSetName)
	}
	e.managed.init()
	return e.attachManagedLocked(ps.arn, policyARN)
}

// AttachCustomerManagedPolicy attaches a customer managed policy reference
// (name, path "/" when empty) to the named permission set.
func (e *Emulator) AttachCustomerManagedPolicy(permissionSetName, name, path string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	ps := e.sso.psByName[permissionSetName]
	if ps == nil {
		return newError("ResourceNotFoundException", "Permission set %s not found.", permissionSetName)
	}
	e.managed.init()
	return e.attachCustomerLocked(ps.arn, customerPolicyRef{Name: name, Path: path})
}
