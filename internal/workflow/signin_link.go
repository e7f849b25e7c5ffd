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

// Sign-in link event types.
const (
	// EventSignInLinkCreated records a one-time sign-in link made for a
	// user, with who made it.
	EventSignInLinkCreated access.EventType = "signin_link.created"
	// EventSignInLinkUsed records a sign-in link consumed by a browser.
	EventSignInLinkUsed access.EventType = "signin_link.used"
)

// SignInLinkTTL is how long a sign-in link can be used.
const SignInLinkTTL = 10 * time.Minute

// signInLinkPrefix starts every sign-in link secret.
const signInLinkPrefix = "sil_"

// CreateSignInLink makes a one-time portal sign-in link for the active
// directory user userName (a user name or email) and returns its secret,
// stored only hashed, and when it expires. createdBy names the operator
// for the decision log.
func (s *Service) CreateSignInLink(ctx context.Context, userName, createdBy string) (string, time.Time, error) {
	userName = normalizeUser(userName)
	if userName == "" {
		return "", time.Time{}, access.Errorf(access.CodeInvalid, "user is empty: name the user the link signs in")
	}
	if createdBy = strings.TrimSpace(createdBy); createdBy == "" {
		createdBy = "operator"
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", time.Time{}, fmt.Errorf("create sign-in link: random: %w", err)
	}
	secret := signInLinkPrefix + idEncoding.EncodeToString(b)
	now := s.clock.Now()
	expires := now.Add(SignInLinkTTL)
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		u, err := tx.FindUserByName(ctx, userName)
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
			return access.Errorf(access.CodeNotFound, "user %q is not in the directory: check the name, or sync the directory first", userName)
		}
		if err != nil {
			return fmt.Errorf("find user %s: %w", userName, err)
		}
		if !u.Active {
			return access.Errorf(access.CodeUserDisabled, "user %s is disabled in the directory (IAM Identity Center): no sign-in link for them", u.UserName)
		}
		l := access.SignInLink{ID: newID("sil_"), Hash: HashToken(secret), UserID: u.ID, CreatedBy: createdBy, CreatedAt: now, ExpiresAt: expires}
		if err := tx.CreateSignInLink(ctx, l); err != nil {
			return err
		}
		return s.appendEvents(ctx, tx, access.Event{Type: EventSignInLinkCreated,
			Actor: access.Actor{UserName: createdBy, Via: access.ViaCLI}, At: now,
			Details: map[string]string{"link_id": l.ID, "user": u.UserName, "created_by": createdBy, "expires_at": expires.UTC().Format(time.RFC3339)}})
	})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("create sign-in link for %s: %w", userName, err)
	}
	s.log.InfoContext(ctx, "sign-in link created", "user", userName, "created_by", createdBy, "expires_at", expires)
	return secret, expires, nil
}

// UseSignInLink consumes a sign-in link: it resolves the secret to the
// link's user and marks the link used in the same transaction, so it signs
// in once. An unknown, used or expired link is refused as unauthenticated.
// It starts no session: the caller does.
func (s *Service) UseSignInLink(ctx context.Context, secret string) (access.Actor, error) {
	secret = strings.TrimSpace(secret)
	if !strings.HasPrefix(secret, signInLinkPrefix) {
		return access.Actor{}, access.Errorf(access.CodeUnauthenticated, "this sign-in link is not valid: ask an operator for a new one (elevate signin-link)")
	}
	now := s.clock.Now()
	var actor access.Actor
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		l, err := tx.FindSignInLinkByHash(ctx, HashToken(secret))
		if errors.Is(err, store.ErrNotFound) {
			return access.Errorf(access.CodeUnauthenticated, "this sign-in link is not valid: ask an operator for a new one (elevate signin-link)")
		}
		if err != nil {
			return fmt.Errorf("find sign-in link: %w", err)
		}
		if !l.UsedAt.IsZero() {
			return access.Errorf(access.CodeUnauthenticated, "this sign-in link was already used: a link signs in once; ask an operator for a new one")
		}
		if !now.Before(l.ExpiresAt) {
			return access.Errorf(access.CodeUnauthenticated, "this sign-in link expired at %s: ask an operator for a new one", l.ExpiresAt.UTC().Format(time.RFC3339))
		}
		if err := tx.MarkSignInLinkUsed(ctx, l.ID, now); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return access.Errorf(access.CodeUnauthenticated, "this sign-in link was already used: a link signs in once; ask an operator for a new one")
			}
			return fmt.Errorf("mark sign-in link used: %w", err)
		}
		actor, err = s.actorFor(ctx, tx, l.UserID, access.ViaPortal)
		if err != nil {
			return err
		}
		return s.appendEvents(ctx, tx, access.Event{Type: EventSignInLinkUsed, Actor: actor, At: now,
			Details: map[string]string{"link_id": l.ID, "created_by": l.CreatedBy}})
	})
	if err != nil {
		return access.Actor{}, err
	}
	return actor, nil
}
