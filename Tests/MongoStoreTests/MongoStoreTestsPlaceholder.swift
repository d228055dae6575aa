import Testing

// The MongoDB backend tests land with issue 5.
