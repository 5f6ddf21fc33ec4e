// Package hostup is a typed client for the parts of HostUp's v2 cloud API
// that hostup_exporter reads. It knows nothing about Prometheus.
//
// Every field of the documented responses is decoded. Fields the API marks
// nullable are pointers, so a null stays distinguishable from a zero. Enums are
// plain strings: HostUp adds values over time and an unknown one must pass
// through, never fail a decode. Counts are float64 because they end up as
// Prometheus sample values and a float decodes both 2 and 2.0.
package hostup

import "encoding/json"

// Gate is one entry of an `actions` object: whether an action is currently
// available and, when it is not, why.
type Gate struct {
	Allowed bool    `json:"allowed"`
	Reason  *string `json:"reason"`
	// Code is a machine-readable reason; documented as optional and only on
	// some endpoints.
	Code *string `json:"code"`
}

// Actions maps a gate name as the API spells it (canAddIpv4, canReceiveRoute,
// ...) to its state. It is decoded generically so that a gate HostUp adds
// later is exported without a code change.
type Actions map[string]Gate

// VPS is one item of GET /api/v2/vps.
type VPS struct {
	ID              string           `json:"id"`
	Name            string           `json:"name"`
	PrimaryIP       *string          `json:"primaryIp"`
	ServiceStatus   string           `json:"serviceStatus"`
	PowerState      *string          `json:"powerState"`
	OperatingSystem *json.RawMessage `json:"operatingSystem"`
	Billing         *Billing         `json:"billing"`
	Resources       *Resources       `json:"resources"`
	// Mismatches lists the fields of this item that came with another JSON
	// type than documented and were left out (paths relative to the item).
	Mismatches []Mismatch `json:"-"`
}

// Billing is the billing block of a VPS.
type Billing struct {
	Amount       *float64 `json:"amount"`
	CurrencyCode *string  `json:"currencyCode"`
	BillingCycle *string  `json:"billingCycle"`
	IsPayg       *bool    `json:"isPayg"`
	PeriodYears  *float64 `json:"periodYears"`
}

// Resources is the sizing block of a VPS.
type Resources struct {
	CPUCores  *float64 `json:"cpuCores"`
	MemoryGB  *float64 `json:"memoryGb"`
	StorageGB *float64 `json:"storageGb"`
}

// VPSPage is one page of GET /api/v2/vps. The envelope is not documented for
// this endpoint; it follows HostUp's other v2 lists.
type VPSPage struct {
	Data       []VPS   `json:"data"`
	HasMore    *bool   `json:"hasMore"`
	NextCursor *string `json:"nextCursor"`
	// Mismatches lists the envelope's fields (hasMore, nextCursor, data,
	// data[]) that came with another JSON type than documented; an item's
	// own are on the item.
	Mismatches []Mismatch `json:"-"`

	// unterminated: a full page without a usable continuation (ListInfo).
	unterminated bool
}

// VPSNetwork is GET /api/v2/vps/{id}/network.
type VPSNetwork struct {
	Interfaces              []Interface             `json:"interfaces"`
	AvailableIPv4           []AvailableIP           `json:"availableIPv4"`
	AvailableIPv6           []AvailableIP           `json:"availableIPv6"`
	IPv4Limit               *float64                `json:"ipv4Limit"`
	IPv6Limit               *float64                `json:"ipv6Limit"`
	ReservedPublicIPv4Count *float64                `json:"reservedPublicIpv4Count"`
	ReservedPublicIPv6Count *float64                `json:"reservedPublicIpv6Count"`
	Limits                  *Limits                 `json:"limits"`
	PrimaryIP               *string                 `json:"primaryIP"`
	PrimaryIPRDNS           *string                 `json:"primaryIPrDNS"`
	PrimaryRDNSAvailable    *bool                   `json:"primaryRdnsAvailable"`
	PrimaryNetwork          *Subnet                 `json:"primaryNetwork"`
	IPAvailability          *IPAvailability         `json:"ipAvailability"`
	VLANTag                 *float64                `json:"vlanTag"`
	IPv6UpgradeOption       *UpgradeOption          `json:"ipv6UpgradeOption"`
	PrivateNetworks         []PrivateNetwork        `json:"privateNetworks"`
	PrivateNetworkDefaults  *PrivateNetworkDefaults `json:"privateNetworkDefaults"`
	IPChangePolicy          *IPChangePolicy         `json:"ipChangePolicy"`
	Actions                 Actions                 `json:"actions"`
	// Mismatches lists the fields that came with another JSON type than
	// documented and were left out (nil, zero, or the array element
	// dropped); everything else is decoded.
	Mismatches []Mismatch `json:"-"`
}

// Interface is one network interface of a VPS.
type Interface struct {
	ID              *string   `json:"id"`
	Model           *string   `json:"model"`
	MAC             *string   `json:"mac"`
	Bridge          *string   `json:"bridge"`
	VLAN            *float64  `json:"vlan"`
	FirewallEnabled *bool     `json:"firewallEnabled"`
	LinkDown        *bool     `json:"linkDown"`
	IP              []Address `json:"ip"`
}

// Address is one address assigned to an interface.
type Address struct {
	ID            *string  `json:"id"`
	Type          *string  `json:"type"`
	IP            *string  `json:"ip"`
	Mask          *string  `json:"mask"`
	Main          *bool    `json:"main"`
	IsPrivate     *bool    `json:"isPrivate"`
	RevDNS        *string  `json:"revdns"`
	RDNSAvailable *bool    `json:"rdnsAvailable"`
	VLAN          *float64 `json:"vlan"`
	Subnet        *Subnet  `json:"subnet"`
}

// AvailableIP is one entry of availableIPv4 / availableIPv6.
type AvailableIP struct {
	ID        *string  `json:"id"`
	Type      *string  `json:"type"`
	IP        *string  `json:"ip"`
	Status    string   `json:"status"`
	Mask      *string  `json:"mask"`
	Main      *bool    `json:"main"`
	IsPrivate *bool    `json:"isPrivate"`
	VLAN      *float64 `json:"vlan"`
	Subnet    *Subnet  `json:"subnet"`
}

// Subnet is the public subnet an address or the primary network belongs to.
type Subnet struct {
	ID         *string `json:"id"`
	Name       *string `json:"name"`
	ParentCIDR *string `json:"parentCidr"`
	Gateway    *string `json:"gateway"`
}

// Limits holds the plan's IP limits per family.
type Limits struct {
	IPv4 *Limit `json:"ipv4"`
	IPv6 *Limit `json:"ipv6"`
}

// Limit is one family's IP limit.
type Limit struct {
	Total     *float64 `json:"total"`
	Used      *float64 `json:"used"`
	Available *float64 `json:"available"`
}

// IPAvailability holds how many public addresses could be added per family.
type IPAvailability struct {
	IPv4 *FamilyAvailability `json:"ipv4"`
	IPv6 *FamilyAvailability `json:"ipv6"`
}

// FamilyAvailability is one family's IP availability.
type FamilyAvailability struct {
	AvailableCount               *float64 `json:"availableCount"`
	CurrentNetworkAvailableCount *float64 `json:"currentNetworkAvailableCount"`
	CurrentNetworkKnown          *bool    `json:"currentNetworkKnown"`
	Reason                       *string  `json:"reason"`
}

// UpgradeOption is the IPv6 upgrade offer of a VPS.
type UpgradeOption struct {
	Key          *string  `json:"key"`
	Name         *string  `json:"name"`
	Min          *float64 `json:"min"`
	Max          *float64 `json:"max"`
	Step         *float64 `json:"step"`
	MonthlyPrice *float64 `json:"monthlyPrice"`
	CurrencyCode *string  `json:"currencyCode"`
	CurrentValue *float64 `json:"currentValue"`
}

// PrivateNetwork is one private network a VPS belongs to.
type PrivateNetwork struct {
	ParentCIDR *string         `json:"parentCidr"`
	Status     *string         `json:"status"`
	Subnets    []PrivateSubnet `json:"subnets"`
}

// PrivateSubnet is one subnet of a private network.
type PrivateSubnet struct {
	ID         *string      `json:"id"`
	SubnetCIDR *string      `json:"subnetCidr"`
	VLANTag    *float64     `json:"vlanTag"`
	Gateway    *string      `json:"gateway"`
	Status     *string      `json:"status"`
	Usage      *SubnetUsage `json:"usage"`
}

// SubnetUsage is how many addresses of a private subnet are assigned.
type SubnetUsage struct {
	AssignedIPCount *float64 `json:"assignedIpCount"`
	TotalIPCount    *float64 `json:"totalIpCount"`
}

// PrivateNetworkDefaults holds defaults for new private networks.
type PrivateNetworkDefaults struct {
	VLANRange *Range `json:"vlanRange"`
}

// Range is an inclusive numeric range.
type Range struct {
	Min *float64 `json:"min"`
	Max *float64 `json:"max"`
}

// IPChangePolicy is the monthly IP-change quota of a VPS.
type IPChangePolicy struct {
	MonthlyLimit   *float64 `json:"monthlyLimit"`
	UsedThisPeriod *float64 `json:"usedThisPeriod"`
	Remaining      *float64 `json:"remaining"`
	// PeriodStart and NextReset are dates (2026-05-01), midnight UTC.
	PeriodStart *string `json:"periodStart"`
	NextReset   *string `json:"nextReset"`
	// LastUsedAt is an RFC 3339 timestamp.
	LastUsedAt    *string `json:"lastUsedAt"`
	CanChangeNow  *bool   `json:"canChangeNow"`
	BlockedReason *string `json:"blockedReason"`
}

// RoutedIPv6 is GET /api/v2/routed-ipv6: the account's routed IPv6 state.
type RoutedIPv6 struct {
	Available            *bool         `json:"available"`
	Reason               *string       `json:"reason"`
	AllowedPrefixLengths []float64     `json:"allowedPrefixLengths"`
	Pools                []Pool        `json:"pools"`
	Destinations         []Destination `json:"destinations"`
	Actions              Actions       `json:"actions"`
	// Mismatches lists the fields that came with another JSON type than
	// documented and were left out; everything else is decoded.
	Mismatches []Mismatch `json:"-"`
}

// Pool is one routed /48 of the account.
type Pool struct {
	ID           string   `json:"id"`
	ParentCIDR   string   `json:"parentCidr"`
	PrefixLength *float64 `json:"prefixLength"`
	Status       string   `json:"status"`
	AllocatedAt  *string  `json:"allocatedAt"`
	UpdatedAt    *string  `json:"updatedAt"`
	Routes       []Route  `json:"routes"`
	Actions      Actions  `json:"actions"`
}

// Route is one routed subnet carved from a pool.
type Route struct {
	ID           string   `json:"id"`
	Prefix       string   `json:"prefix"`
	PrefixLength *float64 `json:"prefixLength"`
	NextHop      string   `json:"nextHop"`
	Label        *string  `json:"label"`
	VPSID        string   `json:"vpsId"`
	VPSName      string   `json:"vpsName"`
	Status       string   `json:"status"`
	AllocatedAt  *string  `json:"allocatedAt"`
	UpdatedAt    *string  `json:"updatedAt"`
	Actions      Actions  `json:"actions"`
}

// Destination is a VPS that could receive a routed subnet.
type Destination struct {
	VPSID         string  `json:"vpsId"`
	Name          string  `json:"name"`
	PrimaryIP     *string `json:"primaryIp"`
	NextHop       *string `json:"nextHop"`
	ServiceStatus string  `json:"serviceStatus"`
	Actions       Actions `json:"actions"`
}
