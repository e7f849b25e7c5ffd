package aws

import (
	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	idtypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
)

// EnterpriseExtension is the identity store's extension of enterprise
// attributes, the only one it serves.
const EnterpriseExtension = "aws:identitystore:enterprise"

// enterpriseAttributes are the extension's string attributes elevate keeps.
var enterpriseAttributes = []string{"employeeNumber", "costCenter", "organization", "division", "department"}

// userAttributes returns the directory attributes of a user that rules'
// user conditions may name: core attributes and the enterprise
// extension's, by their identity store names; empty ones are left out.
func (p *Provider) userAttributes(u idtypes.User) map[string]string {
	m := map[string]string{}
	set := func(k string, v *string) {
		if s := awssdk.ToString(v); s != "" {
			m[k] = s
		}
	}
	// userName, displayName and email are the user's own fields.
	set("nickName", u.NickName)
	set("title", u.Title)
	set("userType", u.UserType)
	set("preferredLanguage", u.PreferredLanguage)
	set("locale", u.Locale)
	set("timezone", u.Timezone)
	if doc, ok := u.Extensions[EnterpriseExtension]; ok && doc != nil {
		var ext map[string]any
		if err := doc.UnmarshalSmithyDocument(&ext); err != nil {
			// One odd user should not stop the sync of everything else.
			p.log.Warn("user has an unreadable enterprise extension", "user_id", awssdk.ToString(u.UserId), "error", err)
		}
		for _, k := range enterpriseAttributes {
			if s, ok := ext[k].(string); ok && s != "" {
				m[k] = s
			}
		}
		if mgr, ok := ext["manager"].(map[string]any); ok {
			if s, ok := mgr["value"].(string); ok && s != "" {
				m["manager"] = s
			}
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}
