"""Six short SYNTHETIC contracts. Parties, dates and terms are invented for the demo corpus."""

CONTRACTS = {
    "01_supply_agreement_northwind_helios.txt": """
SYNTHETIC DEMO CONTRACT - NOT A REAL AGREEMENT

SOLAR MODULE SUPPLY AGREEMENT

This Solar Module Supply Agreement (the "Agreement") is entered into as of March 3, 2023 (the "Agreement Date")
by and between Northwind Solar Supply LLC, a Delaware limited liability company ("Supplier"), and Helios Home
Energy Inc., a California corporation ("Buyer").

1. Term. This Agreement shall become effective on April 1, 2023 (the "Effective Date") and shall expire on
March 31, 2026 (the "Expiration Date"), unless terminated earlier in accordance with Section 9.

2. Renewal. Upon expiration of the initial term, this Agreement shall automatically renew for successive
one (1) year renewal terms unless either party gives written notice of non-renewal at least ninety (90) days
prior to the end of the then-current term.

3. Exclusivity. During the term, Buyer shall purchase photovoltaic modules exclusively from Supplier for
installations in the State of California.

4. Limitation of Liability. In no event shall either party's aggregate liability under this Agreement exceed
the total amounts paid by Buyer to Supplier in the twelve (12) months preceding the claim.

5. Assignment. Neither party may assign this Agreement without the prior written consent of the other party,
except to a successor in connection with a merger or sale of substantially all of its assets.

6. Audit Rights. Buyer may, upon thirty (30) days' prior written notice and not more than once per calendar
year, audit Supplier's records relating to pricing and warranty claims.

9. Termination for Convenience. Buyer may terminate this Agreement for convenience upon sixty (60) days'
prior written notice to Supplier.

10. Governing Law. This Agreement shall be governed by and construed in accordance with the laws of the State
of California, without regard to its conflict of laws principles.
""",
    "02_installation_services_sunharbor_brightfield.txt": """
SYNTHETIC DEMO CONTRACT - NOT A REAL AGREEMENT

MASTER INSTALLATION SERVICES AGREEMENT

THIS MASTER INSTALLATION SERVICES AGREEMENT is made and entered into on January 15, 2024, between SunHarbor
Energy Corp. ("Company") and Brightfield Power Services LLC ("Contractor").

Effective Date. This Agreement is effective as of February 1, 2024 and will remain in force for an initial
term of two (2) years, expiring on January 31, 2026.

Renewal Term. Thereafter the Agreement renews automatically for additional twelve (12) month periods unless a
party delivers notice of termination no later than sixty (60) days before the renewal date.

Termination for Convenience. Either party may terminate this Agreement at any time, for any reason or no
reason, by giving the other party thirty (30) days' written notice.

Exclusivity. This Agreement is non-exclusive; Company may engage other installers in any territory.

Cap on Liability. Contractor's total liability arising out of or relating to this Agreement shall not exceed
two million dollars ($2,000,000).

Assignment. Contractor shall not assign or subcontract any of its obligations without Company's prior written
consent, which shall not be unreasonably withheld.

Audit. Company shall have the right to inspect and audit Contractor's job records, permits and safety logs upon
ten (10) business days' notice.

Governing Law. The laws of the State of Texas govern this Agreement.
""",
    "03_battery_distribution_voltaic_cardinal.txt": """
SYNTHETIC DEMO CONTRACT - NOT A REAL AGREEMENT

DISTRIBUTION AGREEMENT (HOME BATTERY SYSTEMS)

This Distribution Agreement dated as of June 10, 2022 is between Voltaic Storage GmbH, a company organized
under the laws of Germany ("Manufacturer"), and Cardinal Solar Works, Inc., a North Carolina corporation
("Distributor").

Section 2.1 Appointment and Exclusivity. Manufacturer appoints Distributor as its exclusive distributor of home
battery systems in North Carolina, South Carolina and Virginia (the "Territory"). Manufacturer shall not appoint
any other distributor in the Territory during the term.

Section 3.1 Term. The term of this Agreement commences on July 1, 2022 and ends on June 30, 2027.

Section 3.2 Renewal. The parties may renew this Agreement for a further term of three (3) years by mutual
written agreement executed no later than one hundred twenty (120) days before expiration.

Section 3.3 Notice. Any notice of termination or non-renewal must be given in writing with at least six (6)
months' notice.

Section 7.4 Limitation of Liability. Manufacturer's liability for any claim shall be capped at the purchase price
of the products giving rise to the claim.

Section 8.2 Assignment. Distributor may not assign its rights hereunder; any purported assignment without
consent is void.

Section 9.1 No Termination for Convenience. Neither party may terminate this Agreement for convenience.

Section 11.5 Governing Law. This Agreement is governed by the laws of the State of New York.
""",
    "04_ppa_goldencoast_oakridge.txt": """
SYNTHETIC DEMO CONTRACT - NOT A REAL AGREEMENT

SOLAR POWER PURCHASE AGREEMENT

This Power Purchase Agreement ("PPA") is made this 22nd day of September, 2021, by and between Golden Coast
Solar Partners LP ("Seller") and Oakridge Unified School District ("Purchaser").

Term: The PPA is effective on the Commercial Operation Date, expected to be December 1, 2021, and continues for
twenty (20) years thereafter, expiring November 30, 2041.

Renewal: Purchaser may extend the term for up to two (2) additional five (5) year periods by notice given at
least one hundred eighty (180) days before expiration.

Price: Purchaser shall pay $0.118 per kWh delivered, escalating 2% per year.

Termination for Convenience: Purchaser may terminate for convenience on any anniversary of the Commercial
Operation Date upon payment of the Early Termination Value and ninety (90) days' notice.

Exclusivity: Purchaser shall purchase all energy generated by the System exclusively from Seller.

Liability Cap: Except for indemnification obligations, Seller's liability is limited to $500,000 in the
aggregate.

Assignment: Seller may assign this PPA to a financing party without Purchaser's consent.

Audit Rights: Purchaser may audit the revenue-grade meter data once per year at its own cost.

Governing Law: California law governs this PPA.
""",
    "05_om_services_summit_desert.txt": """
SYNTHETIC DEMO CONTRACT - NOT A REAL AGREEMENT

OPERATIONS AND MAINTENANCE SERVICES AGREEMENT

Agreement Date: May 5, 2024. Parties: Summit Rooftop Solar LLC ("Owner") and Desert Sun Installers LLC
("O&M Provider").

Effective Date and Term. This Agreement takes effect on June 1, 2024 and expires on May 31, 2025.

Renewal. This Agreement renews for successive one-year terms unless terminated by either party with forty-five
(45) days' notice prior to the end of the current term.

Termination for Convenience. Owner may terminate this Agreement for convenience at any time upon fifteen (15)
days' written notice; O&M Provider has no right to terminate for convenience.

Exclusivity. O&M Provider shall be the exclusive provider of maintenance services for the Owner's Arizona
portfolio.

Limitation of Liability. The O&M Provider's aggregate liability shall not exceed the annual service fee of
$84,000.

Assignment. This Agreement may not be assigned by either party without the written consent of the other party.

Audit. Owner and its auditors may review O&M Provider's maintenance logs and invoices upon reasonable notice.

Governing Law. This Agreement is governed by the laws of the State of Arizona.
""",
    "06_software_license_tessellate_bluer.txt": """
SYNTHETIC DEMO CONTRACT - NOT A REAL AGREEMENT

MONITORING SOFTWARE LICENSE AGREEMENT

This Software License Agreement is entered into on October 1, 2023 (the "Effective Date") between Tessellate
Analytics Ltd., a company registered in England and Wales ("Licensor"), and Blue Ridge Solar Co. ("Licensee").

1. Term. The initial term begins on the Effective Date and ends on September 30, 2024.

2. Renewal. The license renews automatically for successive twelve (12) month renewal terms unless Licensee
gives thirty (30) days' notice of non-renewal.

3. Termination. Licensee may terminate this Agreement for convenience upon thirty (30) days' written notice.
Licensor may terminate only for material breach not cured within thirty (30) days.

4. Exclusivity. Nothing in this Agreement grants Licensee exclusive rights; the license is non-exclusive.

5. Liability. Licensor's total liability shall in no event exceed the fees paid by Licensee in the twelve (12)
months before the event giving rise to liability.

6. Assignment. Licensee may not assign this Agreement except to an affiliate, with notice to Licensor.

7. Audit. Licensor may audit Licensee's use of the software once per year to verify compliance with the license
scope.

8. Governing Law. This Agreement shall be governed by the laws of England and Wales.
""",
}
