package httpstatus

import (
	"net/http"
	"testing"

	"github.com/elevate/elevate/internal/access"
)

func TestOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		code access.Code
		want int
	}{
		{access.CodeInvalid, http.StatusBadRequest},
		{access.CodeUnauthenticated, http.StatusUnauthorized},
		{access.CodeUserDisabled, http.StatusUnauthorized},
		{access.CodeForbidden, http.StatusForbidden},
		{access.CodeSelfApproval, http.StatusForbidden},
		{access.CodeApproverMFARequired, http.StatusForbidden},
		{access.CodeNotEligible, http.StatusForbidden},
		{access.CodeDelegatedAdminLimit, http.StatusUnprocessableEntity},
		{access.CodeNotFound, http.StatusNotFound},
		{CodeMethodNotAllowed, http.StatusMethodNotAllowed},
		{access.CodeAlreadyDecided, http.StatusConflict},
		{access.CodeIllegalTransition, http.StatusConflict},
		{access.CodeConflict, http.StatusConflict},
		{CodeTooLarge, http.StatusRequestEntityTooLarge},
		{CodeUnsupportedMedia, http.StatusUnsupportedMediaType},
		{access.CodeRateLimited, http.StatusTooManyRequests},
		{access.CodeInternal, http.StatusInternalServerError},
		{access.Code("something_new"), http.StatusInternalServerError},
		{access.Code(""), http.StatusInternalServerError},
	} {
		if got := Of(tc.code); got != tc.want {
			t.Errorf("Of(%q) = %d, want %d", tc.code, got, tc.want)
		}
	}
}
