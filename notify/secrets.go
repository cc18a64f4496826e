package notify

import (
	"fmt"
	"net/url"
	"strings"
)

// Hidden is how an answer shows a secret, and what a client sends back to
// keep the stored one.
const Hidden = "$encrypted$"

// Secrecy says how a field that is not a Password hides its value. Every
// secret field is encrypted at rest; they differ in what answers show.
type Secrecy int

const (
	NotSecret Secrecy = iota
	// SecretValue is a value that is itself the credential (a hook URL, a
	// routing key): shown in full only to those who administer the notifier.
	SecretValue
	// SecretValues is an object whose every value is a secret (HTTP
	// headers): each is shown as Hidden, and kept, replaced or cleared alone.
	SecretValues
	// SecretURLPassword is a URL whose user-info password is a secret: it is
	// shown as Hidden inside the URL, and never in recipients or errors.
	SecretURLPassword
)

// Sealer encrypts secrets and opens them again (secret.Box).
type Sealer interface {
	Encrypt(plain string) (string, error)
	Opener
}

// Opener decrypts secrets.
type Opener interface {
	Decrypt(sealed string) (string, error)
}

func (f Field) secret() bool { return f.Kind == Password || f.Secret != NotSecret }

// encrypted reports whether a stored value is sealed (a value stored before
// the field became secret is still in clear until it is sealed).
func encrypted(s string) bool { return strings.HasPrefix(s, Hidden) }

// Seal turns a configuration sent by a client into the one to store: it
// takes kept secrets from old (the stored configuration when it is of the
// same type, nil otherwise), validates the result with the real values, and
// encrypts every secret. Hidden keeps a stored secret (per header for
// headers), "" clears it, anything else replaces it; a secret field left
// out keeps its stored value. Problems name fields, never values.
func Seal(spec *Spec, in map[string]any, old Config, box Sealer) (Config, []string) {
	var problems []string
	var kept Config
	if old != nil {
		var err error
		if kept, _, err = Open(spec, old, box); err != nil {
			return nil, []string{"The stored secrets of this notifier cannot be decrypted; send every secret again."}
		}
	}
	raw := make(map[string]any, len(in))
	for k, v := range in {
		raw[k] = v
	}
	for _, f := range spec.Fields {
		if !f.secret() {
			continue
		}
		v, present := raw[f.Key]
		if !present {
			if _, ok := kept[f.Key]; ok {
				raw[f.Key] = kept[f.Key]
			}
			continue
		}
		switch {
		case f.Kind == Password || f.Secret == SecretValue:
			if v == Hidden {
				if kept.String(f.Key) == "" {
					problems = append(problems, fmt.Sprintf("Configuration field '%s' has no stored value to keep; send the secret itself.", f.Key))
					continue
				}
				raw[f.Key] = kept[f.Key]
			}
		case f.Secret == SecretValues:
			m, ok := v.(map[string]any)
			if !ok {
				continue // Validate names the type
			}
			merged := make(map[string]any, len(m))
			for name, hv := range m {
				merged[name] = hv
				if hv == Hidden {
					if was, ok := kept.Map(f.Key)[name]; ok && was != "" {
						merged[name] = was
					} else {
						problems = append(problems, fmt.Sprintf("Configuration field '%s': %q has no stored value to keep; send the value itself.", f.Key, name))
					}
				}
			}
			raw[f.Key] = merged
		case f.Secret == SecretURLPassword:
			s, _ := v.(string)
			u, err := url.Parse(s)
			if err != nil || u.User == nil {
				continue
			}
			if p, ok := u.User.Password(); !ok || p != Hidden {
				continue
			}
			was, err := url.Parse(kept.String(f.Key))
			wasPassword := ""
			if err == nil && was.User != nil {
				wasPassword, _ = was.User.Password()
			}
			if wasPassword == "" {
				problems = append(problems, fmt.Sprintf("Configuration field '%s' has no stored password to keep; send the password itself.", f.Key))
				continue
			}
			escaped := strings.TrimPrefix(url.UserPassword("", wasPassword).String(), ":")
			raw[f.Key] = strings.Replace(s, ":"+Hidden+"@", ":"+escaped+"@", 1)
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	out, problems := Validate(spec, raw)
	if len(problems) > 0 {
		return nil, problems
	}
	if err := sealInPlace(spec, out, box, false); err != nil {
		return nil, []string{"Could not encrypt the secrets."}
	}
	return out, nil
}

// SealClear encrypts the secrets of a stored configuration that are still
// in clear (stored before their field was secret); changed says whether
// there were any.
func SealClear(spec *Spec, stored Config, box Sealer) (out Config, changed bool, err error) {
	out = make(Config, len(stored))
	for k, v := range stored {
		out[k] = v
	}
	for _, f := range spec.Fields {
		if f.Kind == Password || f.Secret == NotSecret {
			continue
		}
		switch f.Secret {
		case SecretValues:
			for _, v := range out.Map(f.Key) {
				changed = changed || v != "" && !encrypted(v)
			}
		case SecretURLPassword:
			changed = changed || urlPassword(out.String(f.Key)) != ""
		default:
			v := out.String(f.Key)
			changed = changed || v != "" && !encrypted(v)
		}
	}
	if !changed {
		return stored, false, nil
	}
	return out, true, sealInPlace(spec, out, box, true)
}

// sealInPlace encrypts c's secrets; onlyClear passes over sealed ones.
func sealInPlace(spec *Spec, c Config, box Sealer, onlyClear bool) error {
	seal := func(v string) (string, error) {
		if v == "" || onlyClear && encrypted(v) {
			return v, nil
		}
		return box.Encrypt(v)
	}
	for _, f := range spec.Fields {
		if !f.secret() {
			continue
		}
		var err error
		switch {
		case f.Secret == SecretValues:
			m := c.Map(f.Key)
			sealed := make(map[string]string, len(m))
			for name, v := range m {
				if sealed[name], err = seal(v); err != nil {
					return err
				}
			}
			if m != nil {
				c[f.Key] = sealed
			}
		case f.Secret == SecretURLPassword:
			if v := c.String(f.Key); urlPassword(v) != "" {
				c[f.Key], err = seal(v)
			}
		default:
			if v, ok := c[f.Key].(string); ok {
				c[f.Key], err = seal(v)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// urlPassword returns the user-info password of a URL in clear, or "".
func urlPassword(s string) string {
	if encrypted(s) {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return ""
	}
	p, _ := u.User.Password()
	return p
}

// Open decrypts a stored configuration for sending. It also returns the
// secret values, so that no error text or log line repeats one.
func Open(spec *Spec, stored Config, box Opener) (Config, []string, error) {
	out := make(Config, len(stored))
	for k, v := range stored {
		out[k] = v
	}
	var secrets []string
	open := func(key, v string) (string, error) {
		if !encrypted(v) {
			return v, nil
		}
		plain, err := box.Decrypt(v)
		if err != nil {
			return "", fmt.Errorf("cannot decrypt the notifier's %s: %w", key, err)
		}
		return plain, nil
	}
	for _, f := range spec.Fields {
		if !f.secret() {
			continue
		}
		switch {
		case f.Kind == Password:
			// Always sealed: a clear value here was not written by Herald.
			sealed := out.String(f.Key)
			if sealed == "" {
				continue
			}
			plain, err := box.Decrypt(sealed)
			if err != nil {
				return nil, nil, fmt.Errorf("cannot decrypt the notifier's %s: %w", f.Key, err)
			}
			out[f.Key] = plain
			secrets = append(secrets, plain)
		case f.Secret == SecretValues:
			m := out.Map(f.Key)
			if m == nil {
				continue
			}
			plain := make(map[string]string, len(m))
			for name, v := range m {
				p, err := open(f.Key, v)
				if err != nil {
					return nil, nil, err
				}
				plain[name] = p
				if p != "" {
					secrets = append(secrets, p)
				}
			}
			out[f.Key] = plain
		default:
			v, ok := out[f.Key].(string)
			if !ok || v == "" {
				continue
			}
			p, err := open(f.Key, v)
			if err != nil {
				return nil, nil, err
			}
			out[f.Key] = p
			if f.Secret == SecretURLPassword {
				if pw := urlPassword(p); pw != "" {
					secrets = append(secrets, pw, url.UserPassword("", pw).String()[1:])
				}
			} else {
				secrets = append(secrets, p)
			}
		}
	}
	return out, secrets, nil
}

// Shown is a stored configuration as an answer shows it: passwords, header
// values and URL passwords as Hidden; values that are themselves the
// credential in full to those who may administer the notifier, Hidden to
// others.
func Shown(spec *Spec, stored Config, box Opener, mayAdminister bool) map[string]any {
	out := make(map[string]any, len(stored))
	for k, v := range stored {
		out[k] = v
	}
	for _, f := range spec.Fields {
		if !f.secret() {
			continue
		}
		switch {
		case f.Kind == Password:
			if out[f.Key] != nil && out[f.Key] != "" {
				out[f.Key] = Hidden
			}
		case f.Secret == SecretValues:
			m := Config(out).Map(f.Key)
			if m == nil {
				continue
			}
			shown := make(map[string]string, len(m))
			for name, v := range m {
				shown[name] = v
				if v != "" {
					shown[name] = Hidden
				}
			}
			out[f.Key] = shown
		case f.Secret == SecretURLPassword:
			if v := Config(out).String(f.Key); v != "" {
				out[f.Key] = hideURLPassword(openOrHidden(v, box))
			}
		case f.Secret == SecretValue:
			v := Config(out).String(f.Key)
			if v == "" {
				continue
			}
			if !mayAdminister {
				out[f.Key] = Hidden
				continue
			}
			out[f.Key] = openOrHidden(v, box)
		}
	}
	return out
}

func openOrHidden(v string, box Opener) string {
	if !encrypted(v) {
		return v
	}
	plain, err := box.Decrypt(v)
	if err != nil {
		return Hidden
	}
	return plain
}

// hideURLPassword shows a URL's password as Hidden.
func hideURLPassword(s string) string {
	pw := urlPassword(s)
	if pw == "" {
		return s
	}
	u, _ := url.Parse(s)
	u.User = url.UserPassword(u.User.Username(), Hidden)
	return u.String()
}

// Recipients is the destination a notification records, from an opened
// configuration, with no credential in it: URLs lose their user info, a
// hook URL that is itself the secret is shown by its origin, and a key is
// shown as Hidden.
func Recipients(spec *Spec, open Config) string {
	if spec.Recipients == "" {
		return ""
	}
	if l := open.List(spec.Recipients); l != nil {
		return strings.Join(l, ", ")
	}
	v := open.String(spec.Recipients)
	for _, f := range spec.Fields {
		if f.Key != spec.Recipients || v == "" {
			continue
		}
		switch f.Secret {
		case SecretURLPassword:
			return StripUserInfo(v)
		case SecretValue:
			if u, err := url.Parse(v); err == nil && u.Scheme != "" && u.Host != "" {
				return u.Scheme + "://" + u.Host
			}
			return Hidden
		}
		if f.Kind == Password {
			return Hidden
		}
	}
	return v
}

// StripUserInfo returns a URL without its user name and password.
func StripUserInfo(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	u.User = nil
	return u.String()
}

// SecretRecipients reports whether the value spec records as recipients
// may hold a credential.
func SecretRecipients(spec *Spec) bool {
	for _, f := range spec.Fields {
		if f.Key == spec.Recipients {
			return f.secret()
		}
	}
	return false
}

// RedactRecorded removes credentials from recipients recorded by an older
// version, which copied the destination field as it was.
func RedactRecorded(spec *Spec, recorded string) string {
	if recorded == Hidden || !SecretRecipients(spec) {
		return recorded
	}
	return Recipients(spec, Config{spec.Recipients: recorded})
}

// StoredRecipients is Recipients from a stored configuration: it opens the
// recipients field alone, so a status change decrypts nothing else.
func StoredRecipients(spec *Spec, stored Config, box Opener) string {
	v, ok := stored[spec.Recipients].(string)
	if !ok || !encrypted(v) {
		return Recipients(spec, stored)
	}
	plain, err := box.Decrypt(v)
	if err != nil {
		return Hidden
	}
	return Recipients(spec, Config{spec.Recipients: plain})
}
