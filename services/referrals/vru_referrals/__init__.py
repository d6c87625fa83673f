"""The referrals service: referrals from custody, A&E and schools, and their lifecycle."""
