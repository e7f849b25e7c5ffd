package sqlstore

import (
	"context"

	"github.com/elevate/elevate/internal/access"
)

// PutUserSettings records (or replaces) a user's settings.
func (t *Tx) PutUserSettings(ctx context.Context, s access.UserSettings) error {
	if _, err := t.c.Exec(ctx, `INSERT INTO user_settings (user_id, time_zone, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO UPDATE SET time_zone = excluded.time_zone, updated_at = excluded.updated_at`,
		s.UserID, s.TimeZone, t.ts(s.UpdatedAt)); err != nil {
		return t.wrap("put user settings "+s.UserID, err)
	}
	return nil
}

// FindUserSettings returns a user's settings.
func (t *Tx) FindUserSettings(ctx context.Context, userID string) (access.UserSettings, error) {
	var (
		s  access.UserSettings
		at dbTime
	)
	err := t.c.QueryRow(ctx, `SELECT user_id, time_zone, updated_at FROM user_settings WHERE user_id = $1`, userID).Scan(&s.UserID, &s.TimeZone, &at)
	if isNoRows(err) {
		return access.UserSettings{}, t.notFound("find user settings " + userID)
	}
	if err != nil {
		return access.UserSettings{}, t.wrap("find user settings "+userID, err)
	}
	s.UpdatedAt = timeOf(at)
	return s, nil
}
