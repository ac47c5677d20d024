"""What list endpoints share below the HTTP layer: the upstream `search` grammar, `orderBy`, SQL patterns."""
