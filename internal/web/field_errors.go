package web

import (
	"errors"
	"strings"

	"github.com/elevate/elevate/internal/access"
)

// requestFields maps how the use cases name a request's inputs at the
// start of their refusals ("duration 10h is longer than the 4h this rule
// allows", "ticket is required for this access: …", the API's field names)
// to the portal form's field names.
var requestFields = []struct{ prefix, field string }{
	{"account_ids ", "account"},
	{"account id ", "account"},
	{"account name ", "account"},
	{"account ", "account"},
	{"permission_set ", "permission_set"},
	{"permission set ", "permission_set"},
	{"duration ", "duration"},
	{"justification ", "justification"},
	{"ticket ", "ticket"},
	{"start ", "start_at"},
}

// fieldOf names the request form's field a use case's refusal is about, so
// the portal shows the message beside that field; "" when the refusal is
// not about one field (not eligible, a conflict, …), shown above the form.
// Only invalid_argument refusals name a field: the others are about the
// request as a whole.
func fieldOf(err error) string {
	var ae *access.Error
	if !errors.As(err, &ae) || ae.Code != access.CodeInvalid {
		return ""
	}
	msg := strings.ToLower(ae.Message)
	for _, f := range requestFields {
		if strings.HasPrefix(msg, f.prefix) {
			return f.field
		}
	}
	return ""
}
