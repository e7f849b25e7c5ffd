package workflow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// CLILoginTTL is how long a token made by `elevate login` lasts: a working
// day, so a lost laptop's stored token soon stops working.
const CLILoginTTL = 12 * time.Hour

// CLILogin makes the token `elevate login` stores, for the signed-in actor,
// named after the computer the CLI said it runs on.
func (s *Service) CLILogin(ctx context.Context, actor access.Actor, host string) (string, access.Token, error) {
	if actor.UserID == "" {
		return "", access.Token{}, access.Errorf(access.CodeUnauthenticated, "sign in to sign the CLI in")
	}
	name := "elevate login"
	if h := access.EscapeControls(host); h != "" {
		name += " on " + truncate(h, 60)
	}
	return s.CreateToken(ctx, actor.UserName, name, CLILoginTTL)
}

// truncate cuts s to at most n bytes at a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// RevokeTokenSecret revokes the token whose secret the actor authenticated
// with (`elevate logout`).
func (s *Service) RevokeTokenSecret(ctx context.Context, actor access.Actor, secret string) error {
	if actor.UserID == "" {
		return access.Errorf(access.CodeUnauthenticated, "sign in with the token to revoke it")
	}
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		tok, err := tx.FindTokenByHash(ctx, HashToken(secret))
		if err != nil {
			return notFound(err, "the token is unknown or already revoked")
		}
		if tok.UserID != actor.UserID {
			return access.Errorf(access.CodeForbidden, "the token is not yours")
		}
		if err := tx.DeleteToken(ctx, actor.UserID, tok.ID); err != nil {
			return notFound(err, "the token is unknown or already revoked")
		}
		return s.appendEvents(ctx, tx, access.Event{Type: EventTokenRevoked, Actor: actor, At: s.clock.Now(), Details: map[string]string{"token_id": tok.ID}})
	})
	if err != nil {
		return fmt.Errorf("revoke the token: %w", err)
	}
	return nil
}

// CLILoginDevice makes the token of a headless `elevate login`: the CLI
// made the secret itself and sent only its SHA-256 (hex) through the link
// the user opened, so the secret never passes through the browser; the
// CLI polls with it until this token exists. A hash already in use is
// refused.
func (s *Service) CLILoginDevice(ctx context.Context, actor access.Actor, hashHex, host string) (access.Token, error) {
	if actor.UserID == "" {
		return access.Token{}, access.Errorf(access.CodeUnauthenticated, "sign in to sign the CLI in")
	}
	hash, err := hex.DecodeString(hashHex)
	if err != nil || len(hash) != sha256.Size {
		return access.Token{}, access.Errorf(access.CodeInvalid, "this sign-in link has no valid device code: run `elevate login --headless` again and open the link it prints")
	}
	name := "elevate login --headless"
	if h := access.EscapeControls(host); h != "" {
		name += " on " + truncate(h, 60)
	}
	var tok access.Token
	err = s.store.InTx(ctx, func(tx store.Tx) error {
		now := s.clock.Now()
		tok = access.Token{ID: newID("tok_"), UserID: actor.UserID, Name: name, Hash: hash, CreatedAt: now, ExpiresAt: now.Add(CLILoginTTL)}
		if err := tx.CreateToken(ctx, tok); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return access.Errorf(access.CodeConflict, "this sign-in link was used already: run `elevate login --headless` again")
			}
			return fmt.Errorf("store token: %w", err)
		}
		return nil
	})
	if err != nil {
		return access.Token{}, fmt.Errorf("sign the CLI in for %s: %w", actor.UserName, err)
	}
	return tok, nil
}
