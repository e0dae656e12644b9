package pgwire

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"

	"github.com/xdg-go/scram"
)

// scramIterations is the PBKDF2 iteration count of the credentials the
// server derives from configured passwords (PostgreSQL's default).
const scramIterations = 4096

// verifiers holds the SCRAM-SHA-256 verifier (salt, stored key, server
// key) of every configured user, derived once when the server starts, as
// PostgreSQL keeps verifiers rather than passwords: a connection costs no
// key derivation, whatever its client sends.
type verifiers struct {
	users map[string]scram.StoredCredentials
	// mockKey salts the made-up verifier of an unknown user: the same
	// user name always gets the same salt, as a real one would, and no
	// key derivation either (mockStored and mockServer match no proof).
	mockKey    []byte
	mockStored []byte
	mockServer []byte
}

func newVerifiers(users map[string]string) (*verifiers, error) {
	v := &verifiers{users: make(map[string]scram.StoredCredentials, len(users)),
		mockKey: randomBytes(32), mockStored: randomBytes(32), mockServer: randomBytes(32)}
	for user, password := range users {
		client, err := scram.SHA256.NewClient(user, password, "")
		if err != nil {
			return nil, fmt.Errorf("pgwire: password of user %q: %w", user, err)
		}
		v.users[user] = client.GetStoredCredentials(scram.KeyFactors{Salt: string(randomBytes(16)), Iters: scramIterations})
	}
	return v, nil
}

// lookup returns the verifier of user; known is false for a made-up one.
func (v *verifiers) lookup(user string) (creds scram.StoredCredentials, known bool) {
	if c, ok := v.users[user]; ok {
		return c, true
	}
	mac := hmac.New(sha256.New, v.mockKey)
	mac.Write([]byte(user))
	salt := mac.Sum(nil)[:16]
	return scram.StoredCredentials{KeyFactors: scram.KeyFactors{Salt: string(salt), Iters: scramIterations},
		StoredKey: v.mockStored, ServerKey: v.mockServer}, false
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}
