package builtins

import (
	"github.com/driftdb/driftdb/sql/pgcode"
	"github.com/driftdb/driftdb/sql/types"
)

// Notifier is what a session that sends and listens for notifications
// offers pg_notify and pg_listening_channels.
type Notifier interface {
	Notify(channel, payload string) error
	ListeningChannels() []string
}

func notifier(c *Context) (Notifier, error) {
	if n, ok := c.Session.(Notifier); ok {
		return n, nil
	}
	return nil, pgcode.New(pgcode.FeatureNotSupported, "notifications are not available here")
}

var _ = register(
	// pg_notify(channel, payload) is NOTIFY channel, 'payload'; not
	// strict: a NULL payload is an empty one, a NULL channel an error.
	def(3036, "pg_notify", ts(types.Text, types.Text), types.Void, func(c *Context, a []types.Datum) (types.Datum, error) {
		n, err := notifier(c)
		if err != nil {
			return nil, err
		}
		ch, _ := a[0].(string)
		payload, _ := a[1].(string)
		return "", n.Notify(ch, payload)
	}).lenient().volatile(),
	&Overload{Name: "pg_listening_channels", Oid: 3035, Kind: SetReturning, Ret: types.Text, Strict: true, Volatility: Stable,
		SRFCols: []SRFCol{{Name: "pg_listening_channels", T: types.Text}},
		SRF: func(c *Context, _ []types.Datum) (Rows, error) {
			n, err := notifier(c)
			if err != nil {
				return nil, err
			}
			var rows [][]types.Datum
			for _, ch := range n.ListeningChannels() {
				rows = append(rows, []types.Datum{ch})
			}
			return &sliceRows{rows: rows}, nil
		}},
)
