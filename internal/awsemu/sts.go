package awsemu

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// stsCallKey is the key of sts:GetCallerIdentity in the call counters
// (Stats().Calls["GetCallerIdentity"]).
const stsCallKey = "sts.GetCallerIdentity"

// isSTS reports whether r is an STS (awsQuery) request: a form POST without
// an X-Amz-Target.
func isSTS(r *http.Request) bool {
	return r.Method == http.MethodPost && r.Header.Get("X-Amz-Target") == "" &&
		strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded")
}

// serveSTS answers sts:GetCallerIdentity for the emulated caller (the
// management account, or the delegated administrator of
// Options.CallerAccountID), as AWS does: an XML document. Any other action
// is an InvalidAction error in STS's XML error shape.
func (e *Emulator) serveSTS(w http.ResponseWriter, r *http.Request, reqID string) {
	raw, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBodyBytes))
	form, perr := url.ParseQuery(string(raw))
	w.Header().Set("Content-Type", "text/xml")
	if err != nil || perr != nil || form.Get("Action") != "GetCallerIdentity" {
		w.WriteHeader(http.StatusBadRequest)
		_ = xml.NewEncoder(w).Encode(stsErrorResponse{Error: stsError{Type: "Sender", Code: "InvalidAction",
			Message: "Could not find operation " + form.Get("Action") + " for version 2011-06-15"}, RequestID: reqID})
		return
	}
	e.mu.Lock()
	e.calls[stsCallKey]++
	caller := e.caller
	e.mu.Unlock()
	_ = xml.NewEncoder(w).Encode(stsCallerIdentityResponse{
		Result: stsCallerIdentity{
			Arn:     "arn:aws:sts::" + caller + ":assumed-role/elevate/emulator",
			UserID:  "AROAEMULATOREXAMPLE:emulator",
			Account: caller,
		},
		Meta: stsMeta{RequestID: reqID},
	})
}

type stsCallerIdentityResponse struct {
	XMLName xml.Name          `xml:"https://sts.amazonaws.com/doc/2011-06-15/ GetCallerIdentityResponse"`
	Result  stsCallerIdentity `xml:"GetCallerIdentityResult"`
	Meta    stsMeta           `xml:"ResponseMetadata"`
}

type stsCallerIdentity struct {
	Arn     string `xml:"Arn"`
	UserID  string `xml:"UserId"`
	Account string `xml:"Account"`
}

type stsMeta struct {
	RequestID string `xml:"RequestId"`
}

type stsErrorResponse struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Error     stsError `xml:"Error"`
	RequestID string   `xml:"RequestId"`
}

type stsError struct {
	Type    string `xml:"Type"`
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}
