package awsemu

// accountStatus maps an account State to the older Status member, which
// only knows ACTIVE, SUSPENDED and PENDING_CLOSURE.
func accountStatus(state string) string {
	switch state {
	case "SUSPENDED", "CLOSED":
		return "SUSPENDED"
	case "PENDING_CLOSURE":
		return "PENDING_CLOSURE"
	default:
		return "ACTIVE"
	}
}

func (e *Emulator) accountJSON(a *account) map[string]any {
	return map[string]any{
		"Id":              a.id,
		"Arn":             a.arn,
		"Email":           a.email,
		"Name":            a.name,
		"Status":          accountStatus(a.state),
		"State":           a.state,
		"Paths":           []string{a.path},
		"JoinedMethod":    a.joinedMethod,
		"JoinedTimestamp": epochPtr(a.joined),
	}
}

func (e *Emulator) policyTypes() []map[string]any {
	return []map[string]any{{"Type": "SERVICE_CONTROL_POLICY", "Status": e.org.policyTypeStatus}}
}

func (e *Emulator) describeOrganization(_ *call, _ []byte) (any, error) {
	o := &e.org
	return map[string]any{"Organization": map[string]any{
		"Id":                   o.id,
		"Arn":                  o.arn,
		"FeatureSet":           o.featureSet,
		"MasterAccountArn":     o.mgmt.arn,
		"MasterAccountId":      o.mgmt.id,
		"MasterAccountEmail":   o.mgmt.email,
		"AvailablePolicyTypes": e.policyTypes(),
	}}, nil
}

func (e *Emulator) listRoots(c *call, raw []byte) (any, error) {
	var in pageInput
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	items := []map[string]any{{
		"Id":          e.org.rootID,
		"Arn":         e.org.rootARN,
		"Name":        e.org.rootName,
		"PolicyTypes": e.policyTypes(),
	}}
	page, next, err := paginate(e, c, in, items)
	if err != nil {
		return nil, err
	}
	return listResult("Roots", page, next), nil
}

// checkParent fails with ParentNotFoundException unless id is the root or
// an OU.
func (e *Emulator) checkParent(id string) error {
	if id == e.org.rootID || e.org.ouByID[id] != nil {
		return nil
	}
	return newError("ParentNotFoundException", "We can't find a root or OU with the ParentId that you specified.")
}

func (e *Emulator) listOUsForParent(c *call, raw []byte) (any, error) {
	var in struct {
		pageInput
		ParentId string
	}
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	if err := e.checkParent(in.ParentId); err != nil {
		return nil, err
	}
	items := []map[string]any{}
	for _, ou := range e.org.ous {
		if ou.parentID == in.ParentId {
			items = append(items, map[string]any{"Id": ou.id, "Arn": ou.arn, "Name": ou.name, "Path": ou.path})
		}
	}
	page, next, err := paginate(e, c, in.pageInput, items)
	if err != nil {
		return nil, err
	}
	return listResult("OrganizationalUnits", page, next), nil
}

func (e *Emulator) listAccounts(c *call, raw []byte) (any, error) {
	var in pageInput
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	items := make([]map[string]any, 0, len(e.org.accounts))
	for _, a := range e.org.accounts {
		items = append(items, e.accountJSON(a))
	}
	page, next, err := paginate(e, c, in, items)
	if err != nil {
		return nil, err
	}
	return listResult("Accounts", page, next), nil
}

func (e *Emulator) listAccountsForParent(c *call, raw []byte) (any, error) {
	var in struct {
		pageInput
		ParentId string
	}
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	if err := e.checkParent(in.ParentId); err != nil {
		return nil, err
	}
	items := []map[string]any{}
	for _, a := range e.org.accounts {
		if a.parentID == in.ParentId {
			items = append(items, e.accountJSON(a))
		}
	}
	page, next, err := paginate(e, c, in.pageInput, items)
	if err != nil {
		return nil, err
	}
	return listResult("Accounts", page, next), nil
}

func (e *Emulator) describeAccount(_ *call, raw []byte) (any, error) {
	var in struct{ AccountId string }
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	a := e.org.accountByID[in.AccountId]
	if a == nil {
		return nil, newError("AccountNotFoundException", "You specified an account that doesn't exist.")
	}
	return map[string]any{"Account": e.accountJSON(a)}, nil
}

func (e *Emulator) listParents(c *call, raw []byte) (any, error) {
	var in struct {
		pageInput
		ChildId string
	}
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	var parentID string
	if a := e.org.accountByID[in.ChildId]; a != nil {
		parentID = a.parentID
	} else if ou := e.org.ouByID[in.ChildId]; ou != nil {
		parentID = ou.parentID
	} else {
		return nil, newError("ChildNotFoundException", "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.")
	}
	typ := "ORGANIZATIONAL_UNIT"
	if parentID == e.org.rootID {
		typ = "ROOT"
	}
	items := []map[string]any{{"Id": parentID, "Type": typ}}
	page, next, err := paginate(e, c, in.pageInput, items)
	if err != nil {
		return nil, err
	}
	return listResult("Parents", page, next), nil
}
