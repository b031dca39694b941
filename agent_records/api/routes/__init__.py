"""The plain HTTP routes beside ``/graphql``: health and readiness, the streamed export."""
