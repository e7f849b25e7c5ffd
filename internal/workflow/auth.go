package workflow

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// TokenPrefix starts every personal access token, so that secret scanners
// can recognise them.
const TokenPrefix = "elv_"

// HashToken returns the stored form of a token secret.
func HashToken(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// Authenticate resolves a bearer token to an actor. The actor's groups and
// roles come from the synced directory, never from the client.
func (s *Service) Authenticate(ctx context.Context, secret string, via access.Via) (access.Actor, error) {
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) < len(TokenPrefix)+20 {
		return access.Actor{}, access.Errorf(access.CodeUnauthenticated, "the token is malformed: use a token made with `elevate token create` or the portal")
	}
	var actor access.Actor
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		tok, err := tx.FindTokenByHash(ctx, HashToken(secret))
		if errors.Is(err, store.ErrNotFound) {
			return access.Errorf(access.CodeUnauthenticated, "the token is unknown or revoked")
		}
		if err != nil {
			return fmt.Errorf("find token: %w", err)
		}
		now := s.clock.Now()
		if !tok.ExpiresAt.IsZero() && !now.Before(tok.ExpiresAt) {
			return access.Errorf(access.CodeUnauthenticated, "the token expired at %s", tok.ExpiresAt.UTC().Format(time.RFC3339))
		}
		actor, err = s.actorFor(ctx, tx, tok.UserID, via)
		if err != nil {
			return err
		}
		if err := tx.TouchToken(ctx, tok.ID, now); err != nil {
			return fmt.Errorf("touch token: %w", err)
		}
		return nil
	})
	return actor, err
}

// actorFor builds the actor for a directory user.
func (s *Service) actorFor(ctx context.Context, tx store.Tx, userID string, via access.Via) (access.Actor, error) {
	u, err := tx.FindUserByID(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return access.Actor{}, access.Errorf(access.CodeUserDisabled, "the user is no longer in the directory (removed from IAM Identity Center)")
	}
	if err != nil {
		return access.Actor{}, fmt.Errorf("find user %s: %w", userID, err)
	}
	if !u.Active {
		return access.Actor{}, access.Errorf(access.CodeUserDisabled, "user %s is disabled in the directory (IAM Identity Center)", u.UserName)
	}
	groups, err := tx.GroupIDsOfUser(ctx, u.ID)
	if err != nil {
		return access.Actor{}, fmt.Errorf("groups of user %s: %w", u.UserName, err)
	}
	a := access.Actor{UserID: u.ID, UserName: u.UserName, Email: u.Email, Groups: groups, Via: via}
	set, err := s.effectiveSettings(ctx, tx) // the applied policy's admins and auditors groups
	if err != nil {
		return access.Actor{}, err
	}
	a.Admin, err = s.inNamedGroup(ctx, tx, groups, set.AdminsGroup)
	if err != nil {
		return access.Actor{}, err
	}
	a.Admin = a.Admin || isListedAdmin(set, u) // settings.admins: the break-glass list admin recover writes
	a.Auditor, err = s.inNamedGroup(ctx, tx, groups, set.AuditorsGroup)
	if err != nil {
		return access.Actor{}, err
	}
	return a, nil
}

func (s *Service) inNamedGroup(ctx context.Context, tx store.Directory, groupIDs []string, name string) (bool, error) {
	if name == "" {
		return false, nil
	}
	g, err := tx.FindGroupByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("find group %s: %w", name, err)
	}
	return slices.Contains(groupIDs, g.ID), nil
}

// CreateToken makes a personal access token for the user (by user name or
// email) and returns its secret, which is shown once and stored only hashed.
// ttl 0 means the token does not expire.
func (s *Service) CreateToken(ctx context.Context, userName, name string, ttl time.Duration) (string, access.Token, error) {
	userName = normalizeUser(userName)
	if userName == "" {
		return "", access.Token{}, access.Errorf(access.CodeInvalid, "user is empty: name the user the token is for")
	}
	if name = strings.TrimSpace(name); name == "" {
		name = "cli"
	}
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", access.Token{}, fmt.Errorf("create token: random: %w", err)
	}
	secret := TokenPrefix + idEncoding.EncodeToString(b)
	var tok access.Token
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		u, err := tx.FindUserByName(ctx, userName)
		if err != nil {
			return notFound(err, "user %q is not in the directory: check the name, or sync the directory first", userName)
		}
		now := s.clock.Now()
		tok = access.Token{ID: newID("tok_"), UserID: u.ID, Name: name, Hash: HashToken(secret), CreatedAt: now}
		if ttl > 0 {
			tok.ExpiresAt = now.Add(ttl)
		}
		if err := tx.CreateToken(ctx, tok); err != nil {
			return fmt.Errorf("store token: %w", err)
		}
		return nil
	})
	if err != nil {
		return "", access.Token{}, fmt.Errorf("create token for %s: %w", userName, err)
	}
	return secret, tok, nil
}

// GroupNamesOfUser returns the names of the groups the actor is a direct
// member of, sorted, for display (whoami): group ids mean nothing to people.
func (s *Service) GroupNamesOfUser(ctx context.Context, actor access.Actor) ([]string, error) {
	var names []string
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		gs, err := tx.GroupsOfUser(ctx, actor.UserID)
		for _, g := range gs {
			names = append(names, g.Name)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("groups of %s: %w", actor.UserName, err)
	}
	return names, nil
}

// UserNames maps user ids to user names, for display. Unknown ids map to themselves.
func (s *Service) UserNames(ctx context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		for _, id := range ids {
			if _, ok := out[id]; ok {
				continue
			}
			u, err := tx.FindUserByID(ctx, id)
			switch {
			case errors.Is(err, store.ErrNotFound):
				out[id] = id
			case err != nil:
				return fmt.Errorf("find user %s: %w", id, err)
			default:
				out[id] = u.UserName
			}
		}
		return nil
	})
	return out, err
}
