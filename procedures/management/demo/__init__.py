"""The demo clinic that `seed_demo` makes: who its patients are (`people`), what became of each visit (`plan`), the
clock its past happened on (`clock`), and the visits written through the services (`visits`)."""
