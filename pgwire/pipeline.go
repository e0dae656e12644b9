package pgwire

import "context"

// The statements of the extended protocol up to a Sync run in one
// transaction, as PostgreSQL runs them (sql.Session.Pipeline): a Sync, or
// a simple query, commits it. While the first statement that wrote is the
// only one, its commit may run it again on a conflict, as a statement on
// its own is: its reply is then held back (deferred), to go out after the
// commit with what the last run made, unless another message comes first
// (which sends it, and the statement runs no more).

// replyDeferred sends the reply held back for a statement that may run
// again: a message other than Sync came after it, so it is sent now, and
// the statement keeps its result. The result is in memory: only a cancel
// (or the statement timeout) stops it, and then, as for a statement that
// failed, the error goes out, the transaction fails, and replyDeferred
// reports false (the messages up to the Sync are skipped).
func (c *conn) replyDeferred() bool {
	pt := c.deferred
	if pt == nil {
		return true
	}
	c.deferred = nil
	c.sess.KeepResult()
	ctx := c.begin()
	c.sendNotices()
	if err := c.end(c.replyPortal(ctx, pt, 0)); err != nil {
		c.sess.Fail()
		c.sendError(err)
		return false
	}
	return true
}

// endPipeline ends the statements since the last Sync: their implicit
// block commits, its reply held until the commit is durable as a
// statement's is; a statement whose reply was held back sends it now, as
// its last run made it. If the commit fails, the error goes in place of
// that reply.
func (c *conn) endPipeline() {
	if !c.sess.InPipeline() {
		return
	}
	if c.deferred == nil && !c.sess.PipelineWrites() {
		// Nothing to make durable, nor a reply held back: the block
		// ends at once.
		if err := c.sess.EndPipeline(context.Background()); err != nil {
			c.sendError(err)
		}
		return
	}
	ctx := c.begin()
	err := c.sess.EndPipeline(ctx)
	c.deferCommit()
	if pt := c.deferred; pt != nil {
		c.deferred = nil
		if err == nil {
			c.sendNotices() // the last run's
			err = c.replyPortal(ctx, pt, 0)
		}
	}
	if err = c.end(err); err != nil {
		c.sendError(err)
	}
}
