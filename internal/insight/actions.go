// Package insight is usage insight's pure logic: from the grants of a
// window and their session activity, which grants were used and for what,
// which eligibility goes unused, and, per permission set, the actions used
// against what the permission set allows, with a narrower policy as a
// suggestion. It does no I/O: workflow reads the store and AWS and calls it.
package insight

import (
	"regexp"
	"strings"
)

// signInCalls are the calls of signing in to a permission set's role: they
// show a session was opened, but the permission set's policies do not
// govern them, so they never enter a suggestion.
var signInCalls = map[string]bool{
	"sts:AssumeRoleWithSAML":   true,
	"signin:ConsoleLogin":      true,
	"signin:SwitchRole":        true,
	"sso:Federate":             true,
	"sso:GetRoleCredentials":   true,
	"sso:ListAccountRoles":     true,
	"sso:ListAccounts":         true,
	"sso:Authenticate":         true,
	"sso:Logout":               true,
	"sso:GetRoleCredential":    true,
	"portal.sso:Federate":      true,
	"sts:GetCallerIdentity":    true, // allowed to every principal, whatever its policies
	"sso-oauth:CreateToken":    true,
	"sso-oauth:RegisterClient": true,
}

// servicePrefixes maps the event sources whose host differs from the IAM
// service prefix of their actions.
var servicePrefixes = map[string]string{
	"monitoring":        "cloudwatch",
	"email":             "ses",
	"portal.sso":        "sso",
	"oidc":              "sso-oauth",
	"elasticmapreduce":  "elasticmapreduce",
	"es":                "es",
	"execute-api":       "execute-api",
	"streams.dynamodb":  "dynamodb",
	"runtime.lambda":    "lambda",
	"data.iot":          "iot",
	"api.ecr":           "ecr",
	"api.sagemaker":     "sagemaker",
	"runtime.sagemaker": "sagemaker",
}

// eventActions maps the event names CloudTrail records under another name
// than the IAM action that authorizes them (service:event -> action).
var eventActions = map[string]string{
	"s3:ListBuckets":             "ListAllMyBuckets",
	"s3:ListObjects":             "ListBucket",
	"s3:ListObjectsV2":           "ListBucket",
	"s3:HeadBucket":              "ListBucket",
	"s3:HeadObject":              "GetObject",
	"s3:ListObjectVersions":      "ListBucketVersions",
	"s3:ListMultipartUploads":    "ListBucketMultipartUploads",
	"s3:CopyObject":              "PutObject",
	"s3:UploadPart":              "PutObject",
	"s3:CreateMultipartUpload":   "PutObject",
	"s3:CompleteMultipartUpload": "PutObject",
	"s3:DeleteObjects":           "DeleteObject",
}

// lambdaVersion is the API version Lambda appends to its event names
// (ListFunctions20150331, GetFunction20150331v2).
var lambdaVersion = regexp.MustCompile(`20\d{6}(v\d+)?$`)

// ActionOf returns the IAM action that authorizes a CloudTrail event
// ("s3.amazonaws.com", "GetObject" -> "s3:GetObject") and whether the
// permission set's policies govern it (false for the calls of signing in).
// Event names mostly are the action's name; the known exceptions are
// mapped, and anything else is taken as it is.
func ActionOf(source, name string) (action string, governed bool) {
	svc := strings.TrimSuffix(strings.ToLower(source), ".amazonaws.com")
	if p, ok := servicePrefixes[svc]; ok {
		svc = p
	}
	if svc == "lambda" {
		name = lambdaVersion.ReplaceAllString(name, "")
	}
	if a, ok := eventActions[svc+":"+name]; ok {
		name = a
	}
	action = svc + ":" + name
	return action, !signInCalls[action]
}

// deniedCodes are the error codes of a call that its policies refused: such
// a call was not allowed, so it never enters a suggestion.
func denied(code string) bool {
	c := strings.ToLower(code)
	return strings.Contains(c, "accessdenied") || strings.Contains(c, "unauthorized") || strings.Contains(c, "forbidden")
}

// MatchAction reports whether an IAM action pattern ("s3:Get*", "*",
// "ec2:Describe?nstances") matches an action, case-insensitively as IAM
// compares them.
func MatchAction(pattern, action string) bool {
	return wildcard(strings.ToLower(pattern), strings.ToLower(action))
}

// wildcard matches s against p, where * is any run and ? any one character.
func wildcard(p, s string) bool {
	star, mark := -1, 0
	i, j := 0, 0
	for j < len(s) {
		switch {
		case i < len(p) && (p[i] == '?' || p[i] == s[j]):
			i++
			j++
		case i < len(p) && p[i] == '*':
			star, mark = i, j
			i++
		case star >= 0:
			i = star + 1
			mark++
			j = mark
		default:
			return false
		}
	}
	for i < len(p) && p[i] == '*' {
		i++
	}
	return i == len(p)
}
