package workflow

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/say"
	"github.com/elevate/elevate/internal/store"
)

// TimeZone returns the zone the actor chose on the profile page ("" when
// they chose none: the portal follows their browser, email says UTC).
func (s *Service) TimeZone(ctx context.Context, actor access.Actor) (string, error) {
	if actor.UserID == "" {
		return "", access.Errorf(access.CodeUnauthenticated, "sign in to read your settings")
	}
	var zone string
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		us, err := tx.FindUserSettings(ctx, actor.UserID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		zone = us.TimeZone
		return err
	})
	if err != nil {
		return "", fmt.Errorf("read time zone: %w", err)
	}
	return zone, nil
}

// SetTimeZone stores the zone (an IANA name such as Europe/Berlin) the
// actor reads times in, in the portal and in email; "" clears it. An
// unknown name is refused with what to write instead.
func (s *Service) SetTimeZone(ctx context.Context, actor access.Actor, name string) (string, error) {
	if actor.UserID == "" {
		return "", access.Errorf(access.CodeUnauthenticated, "sign in to change your settings")
	}
	name = strings.TrimSpace(name)
	if strings.EqualFold(name, "local") {
		return "", access.Errorf(access.CodeInvalid, "Local is the server's zone, not yours: use an IANA name such as Europe/Berlin or America/New_York, or UTC")
	}
	if name != "" {
		loc, err := say.Zone(name)
		if err != nil {
			return "", access.Errorf(access.CodeInvalid, "%s", err.Error())
		}
		name = loc.String()
	}
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		return tx.PutUserSettings(ctx, access.UserSettings{UserID: actor.UserID, TimeZone: name, UpdatedAt: s.clock.Now()})
	})
	if err != nil {
		return "", fmt.Errorf("save time zone: %w", err)
	}
	return name, nil
}
