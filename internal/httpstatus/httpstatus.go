// Package httpstatus maps error codes to HTTP statuses. It is the one table
// the API and the portal both answer with; openapi.json documents it.
package httpstatus

import (
	"net/http"

	"github.com/elevate/elevate/internal/access"
)

// Codes for failures of HTTP itself, which only an HTTP edge reports. They
// are mapped by Of like access's codes.
const (
	CodeTooLarge         access.Code = "too_large"
	CodeUnsupportedMedia access.Code = "unsupported_media_type"
	CodeMethodNotAllowed access.Code = "method_not_allowed"
)

// Of returns the HTTP status for an error code; a code it does not know is
// 500.
//
// not_eligible is 403: the actor is authenticated and the request is well
// formed, but policy does not allow it (like forbidden, with a more precise
// code that clients can tell apart).
//
// delegated_admin_limit is 422: the request is well formed and no one's
// permission is at stake; AWS will not let this deployment (a delegated
// administrator) assign the pair, so no user, rule or retry can make it
// succeed.
func Of(code access.Code) int {
	switch code {
	case access.CodeInvalid:
		return http.StatusBadRequest
	case access.CodeUnauthenticated, access.CodeUserDisabled:
		return http.StatusUnauthorized
	case access.CodeRateLimited:
		return http.StatusTooManyRequests
	case access.CodeForbidden, access.CodeSelfApproval, access.CodeNotEligible, access.CodeApproverMFARequired:
		return http.StatusForbidden
	case access.CodeDelegatedAdminLimit:
		return http.StatusUnprocessableEntity
	case access.CodeNotFound:
		return http.StatusNotFound
	case access.CodeAlreadyDecided, access.CodeIllegalTransition, access.CodeConflict:
		return http.StatusConflict
	case CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case CodeUnsupportedMedia:
		return http.StatusUnsupportedMediaType
	case CodeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	default:
		return http.StatusInternalServerError
	}
}
