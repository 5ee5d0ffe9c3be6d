"""The resource catalog: what the places are (model), where (places), when open (hours), how
they rank for a person (ranking), loading and checking data/resources.yaml (resources), and
Open Referral HSDS out and in (hsds_*)."""
