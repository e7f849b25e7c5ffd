package gen

import "testing"

func TestTranslatePattern(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`\d{12}`, `\d{12}`},
		{`[\u0009\u0020-\u007E]*`, `[\x{0009}\x{0020}-\x{007E}]*`},
		{`(-?)P(?=\d|T\d)(?:(\d+)Y)?`, `(-?)P(?:(\d+)Y)?`},
		{`a(?!b(c))d`, `ad`},
	} {
		got, _ := translatePattern(tt.in)
		if got != tt.want {
			t.Errorf("translate(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got, note := translatePattern(`(?<name>x)\k<name>`); got != "" || note == "" {
		t.Errorf("uncompilable pattern: got %q, note %q", got, note)
	}
}
