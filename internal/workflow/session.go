package workflow

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// Portal sign-in event types.
const (
	// EventSignedIn records a portal sign-in: the method (oidc, saml, demo)
	// and the identity the IdP asserted.
	EventSignedIn access.EventType = "auth.signed_in"
	// EventTokenRevoked records a personal access token revoked by its owner.
	EventTokenRevoked access.EventType = "token.revoked"
)

// sessionTouchEvery limits last-seen writes to one per session per minute.
const sessionTouchEvery = time.Minute

// ActorByLogin maps an identity the IdP asserted (an email or a user name)
// to the active directory user, with the groups and roles of the directory,
// never of the assertion.
func (s *Service) ActorByLogin(ctx context.Context, login string, via access.Via) (access.Actor, error) {
	login = strings.TrimSpace(login)
	if login == "" {
		return access.Actor{}, access.Errorf(access.CodeUnauthenticated, "the identity provider sent no email or user name")
	}
	var actor access.Actor
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		u, err := tx.FindUserByName(ctx, login)
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
			return access.Errorf(access.CodeUnauthenticated, "%s is not a user of the synced directory: ask an admin to add you in IAM Identity Center", login)
		}
		if err != nil {
			return fmt.Errorf("find user %s: %w", login, err)
		}
		actor, err = s.actorFor(ctx, tx, u.ID, via)
		return err
	})
	return actor, err
}

// StartSession records a new portal session for the actor and returns its
// secret (for the cookie; stored only hashed). Stale sessions are pruned on
// the way. The sign-in, with what the identity provider proved (proof), is
// written to the decision log.
func (s *Service) StartSession(ctx context.Context, actor access.Actor, proof access.SignInProof, identity string, t access.SessionTimeouts) (string, error) {
	if actor.UserID == "" {
		return "", access.Errorf(access.CodeUnauthenticated, "no user to sign in")
	}
	t = t.WithDefaults()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("start session: random: %w", err)
	}
	secret := idEncoding.EncodeToString(b)
	now := s.clock.Now()
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.DeleteStaleSessions(ctx, now, now.Add(-t.Idle)); err != nil {
			return err
		}
		if err := tx.CreateSession(ctx, access.Session{ID: newID("ses_"), Hash: HashToken(secret), UserID: actor.UserID, Method: proof.Method,
			AuthAt: proof.At, AuthContext: proof.Context, MFA: proof.MFA,
			CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(t.Absolute)}); err != nil {
			return err
		}
		details := map[string]string{"method": proof.Method, "identity": identity, "mfa": fmt.Sprint(proof.MFA)}
		if proof.Context != "" {
			details["auth_context"] = proof.Context
		}
		if !proof.At.IsZero() {
			details["auth_at"] = proof.At.UTC().Format(time.RFC3339)
		}
		return s.appendEvents(ctx, tx, access.Event{Type: EventSignedIn, Actor: actor, At: now, Details: details})
	})
	if err != nil {
		return "", fmt.Errorf("start session for %s: %w", actor.UserName, err)
	}
	s.log.InfoContext(ctx, "signed in", "user", actor.UserName, "method", proof.Method, "mfa", proof.MFA)
	return secret, nil
}

// SessionActor resolves a session cookie's secret to the actor, checking the
// idle and absolute timeouts; the groups and roles are read from the
// directory on every call, so a change there applies at once.
func (s *Service) SessionActor(ctx context.Context, secret string, t access.SessionTimeouts) (access.Actor, error) {
	t = t.WithDefaults()
	if secret == "" {
		return access.Actor{}, access.Errorf(access.CodeUnauthenticated, "sign in to continue")
	}
	now := s.clock.Now()
	var actor access.Actor
	var touch string
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		ses, err := tx.FindSessionByHash(ctx, HashToken(secret))
		if errors.Is(err, store.ErrNotFound) {
			return access.Errorf(access.CodeUnauthenticated, "your session ended: sign in again")
		}
		if err != nil {
			return fmt.Errorf("find session: %w", err)
		}
		if !now.Before(ses.ExpiresAt) {
			return access.Errorf(access.CodeUnauthenticated, "your session expired: sign in again")
		}
		if now.Sub(ses.LastSeenAt) >= t.Idle {
			return access.Errorf(access.CodeUnauthenticated, "your session ended after %s without activity: sign in again", t.Idle)
		}
		if now.Sub(ses.LastSeenAt) >= sessionTouchEvery {
			touch = ses.ID
		}
		actor, err = s.actorFor(ctx, tx, ses.UserID, access.ViaPortal)
		actor.SignIn = access.SignInProof{Method: ses.Method, At: ses.AuthAt, Context: ses.AuthContext, MFA: ses.MFA}
		return err
	})
	if err != nil {
		return access.Actor{}, err
	}
	if touch != "" {
		if err := s.store.InTx(ctx, func(tx store.Tx) error { return tx.TouchSession(ctx, touch, now) }); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.log.WarnContext(ctx, "touch session", "error", err)
		}
	}
	return actor, nil
}

// EndSession deletes the session with this secret (sign-out).
func (s *Service) EndSession(ctx context.Context, secret string) error {
	if secret == "" {
		return nil
	}
	return s.store.InTx(ctx, func(tx store.Tx) error {
		ses, err := tx.FindSessionByHash(ctx, HashToken(secret))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("end session: %w", err)
		}
		return tx.DeleteSession(ctx, ses.ID)
	})
}

// ListTokens returns the actor's own personal access tokens.
func (s *Service) ListTokens(ctx context.Context, actor access.Actor) ([]access.Token, error) {
	if actor.UserID == "" {
		return nil, access.Errorf(access.CodeUnauthenticated, "sign in to list your tokens")
	}
	var out []access.Token
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.ListTokens(ctx, actor.UserID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list tokens of %s: %w", actor.UserName, err)
	}
	return out, nil
}

// RevokeToken deletes one of the actor's own tokens.
func (s *Service) RevokeToken(ctx context.Context, actor access.Actor, id string) error {
	if actor.UserID == "" {
		return access.Errorf(access.CodeUnauthenticated, "sign in to revoke a token")
	}
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.DeleteToken(ctx, actor.UserID, id); err != nil {
			return notFound(err, "you have no token %s", id)
		}
		return s.appendEvents(ctx, tx, access.Event{Type: EventTokenRevoked, Actor: actor, At: s.clock.Now(), Details: map[string]string{"token_id": id}})
	})
	if err != nil {
		return fmt.Errorf("revoke token %s: %w", id, err)
	}
	return nil
}
