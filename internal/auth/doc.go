// Package auth turns credentials into an access.Actor: portal cookie sessions (session.go), OIDC sign-in with the
// authorization code flow and PKCE (oidc.go) and the SAML 2.0 service
// provider (saml.go). Every sign-in maps the asserted identity to a synced
// directory user; groups and roles always come from the directory.
package auth
