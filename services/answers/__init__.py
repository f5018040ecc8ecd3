"""Answering the public: replies and saved replies, the review policy, review and the outbox."""
